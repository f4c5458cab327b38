/**
 * The one runner of every experiment. An experiment is a declaration (defineExperiment): its tier's setup, the
 * grid of nets it trains, how one net is trained and measured, and how the measurements become its result. The
 * runner owns the rest: the run's clock, training through the model store one net (shard) at a time, --shard,
 * the result's common part (ids, tier, data, seeds, environment, overrides), writing the files and logging.
 */
import type { DataSet } from "../data/dataset.ts";
import { type ExperimentResult, writeResult } from "../results/result.ts";
import type { LoadedData } from "./data.ts";
import type { TrainedModel, TrainRequest } from "./model_store.ts";
import { resultBase } from "./result_parts.ts";
import type { Experiment, RunContext, Tier } from "./registry.ts";
import { runShards, shardName, type ShardRecord } from "./shards.ts";

/** One net of an experiment's grid, trained as one shard named by its variant and seed. */
export interface Cell {
  variant: string;
  seed: number;
}

/** What the runner reads of an experiment's setup: the data its result describes (null: none) and its seeds. */
export interface Setup {
  data: LoadedData<DataSet> | null;
  seeds: number[];
}

/** How one net is trained (the model store's request) and measured once trained. */
export interface NetPlan<M> {
  request: TrainRequest;
  /** Measures the trained net (it may change its parameters: published weights are read before). */
  measure: (model: TrainedModel) => Promise<M>;
}

/** A trained net as the report reads it: its shard record and its cell of the grid. */
export type Trained<C extends Cell, M> = ShardRecord<M> & { cell: C };

export interface Plot {
  file: string;
  caption: string;
  svg: string;
}

/** The fields of a result the runner fills in. */
type CommonPart =
  | "schema"
  | "experiment"
  | "tier"
  | "data"
  | "seeds"
  | "overrides"
  | "environment"
  | "wallSeconds";

/** An experiment's own part of its result, with its plots' pictures. */
export type Report = Omit<ExperimentResult, CommonPart | "plots" | "notes"> & {
  plots?: Plot[];
  notes?: string[];
  /** The seeds the result covers, where they are not the setup's (a union over the nets). */
  seeds?: number[];
  /** Where the inputs came from, where the experiment reads no dataset. */
  dataSource?: string;
};

export interface ExperimentDef<S extends Setup, C extends Cell, M> {
  id: string;
  title: string;
  /** e.g. "Table 2", "ICCV Fig 3". */
  paperRef: string;
  tiers: Tier[];
  /** A pipeline demonstration rather than a paper table or figure. */
  demo?: boolean;
  /** The nets a tier trains (one shard each), known without data so that `shards` can list them. */
  grid?: (ctx: Pick<RunContext, "tier" | "seeds">) => C[];
  /** The tier's settings, its data and what the measurements share. */
  setup: (ctx: RunContext) => Promise<S>;
  /** How one net of the grid is trained and measured. */
  net?: (ctx: RunContext, setup: S, cell: C) => NetPlan<M>;
  /** The result from every net's record, in grid order; null when what it needs is not there yet (said why). */
  report: (ctx: RunContext, setup: S, nets: Trained<C, M>[]) => Promise<Report | null>;
}

/** An experiment the CLI runs, from its declaration. */
export function defineExperiment<S extends Setup, C extends Cell, M>(
  def: ExperimentDef<S, C, M>,
): Experiment {
  const exp: Experiment = {
    id: def.id,
    title: def.title,
    paperRef: def.paperRef,
    tiers: def.tiers,
    ...(def.demo ? { demo: true } : {}),
    ...(def.grid
      ? { shardNames: (ctx) => def.grid!(ctx).map((c) => shardName(def.id, ctx.tier, c.variant, c.seed)) }
      : {}),
    run: (ctx) => runExperiment(exp, def, ctx),
  };
  return exp;
}

async function runExperiment<S extends Setup, C extends Cell, M>(
  exp: Experiment,
  def: ExperimentDef<S, C, M>,
  ctx: RunContext,
): Promise<void> {
  const started = performance.now();
  const setup = await def.setup(ctx);
  const cells = def.grid?.(ctx) ?? [];
  let nets: Trained<C, M>[] = [];
  if (cells.length) {
    if (!def.net) throw new Error(`${def.id} declares a grid of nets but not how to train one (net)`);
    const records = await runShards(
      ctx,
      exp,
      cells.map((cell) => ({ variant: cell.variant, seed: cell.seed, ...def.net!(ctx, setup, cell) })),
    );
    if (!records) return; // --shard trained its net; the others are still missing
    nets = records.map((r, i) => ({ ...r, cell: cells[i] }));
  }
  const report = await def.report(ctx, setup, nets);
  if (!report) return;
  const { plots = [], notes = [], seeds, dataSource, ...own } = report;
  const base = await resultBase(ctx, exp, setup.data, seeds ?? setup.seeds, started);
  const dir = await writeResult(ctx.outDir, {
    ...base,
    ...(dataSource ? { data: { ...base.data, source: dataSource } } : {}),
    ...own,
    plots: plots.map(({ file, caption }) => ({ file, caption })),
    notes,
  }, plots);
  ctx.log(`wrote ${dir}/result.json${plots.length ? ", result.md and plots" : " and result.md"}`);
}
