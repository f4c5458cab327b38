/**
 * What experiment scripts and their report modules share, in one import: the data of a run (data.ts), the model
 * store (model_store.ts) and the parts every result builds the same way (result_parts.ts).
 */
export {
  loadData,
  loadDataset,
  type LoadedData,
  loadStreamed,
  loadTierData,
  probeImages,
  type TierData,
} from "./data.ts";
export * from "./model_store.ts";
export * from "./result_parts.ts";
export { firstOffChanceStep, leftChanceShare, leftChanceStep } from "../results/plateau.ts";
