/**
 * The paper's facts as data: every number this project compares with, cited by table, figure or section of He,
 * Zhang, Ren, Sun, "Delving Deep into Rectifiers" (ICCV 2015). [digitized] values were read off its plots.
 * Experiments and recipes import them from here; nothing else in the code states a paper number.
 */

/** Table 1: learned PReLU coefficients per layer of the 14-layer model: [channel-shared, channel-wise mean]. */
export const TABLE1: Record<string, [number, number]> = {
  conv1: [0.681, 0.596],
  conv21: [0.103, 0.321],
  conv22: [0.099, 0.204],
  conv23: [0.228, 0.294],
  conv24: [0.561, 0.464],
  conv31: [0.126, 0.196],
  conv32: [0.089, 0.152],
  conv33: [0.124, 0.145],
  conv34: [0.062, 0.124],
  conv35: [0.008, 0.134],
  conv36: [0.21, 0.198],
  fc1: [0.063, 0.074],
  fc2: [0.031, 0.075],
};

/** Table 2: the four rectifiers on the 14-layer model, ImageNet val top-1 / top-5 error % (10-view). */
export const TABLE2_ERRORS = {
  relu: [33.82, 13.34],
  lrelu: [33.8, 13.56],
  "prelu-shared": [32.71, 12.87],
  "prelu-channel": [32.64, 12.75],
} as const;

/** Sec. 3.2: ReLU nets of 14 and 30 layers trained the same way (Sec. 4: 75 epochs), top-1 % (10-view). */
export const DEPTH_TOP1 = { 14: TABLE2_ERRORS.relu[0], 30: 38.56 } as const;

/** Sec. 4: epochs of training of the 14-layer models of Table 2 and of the 30-layer net of Sec. 3.2. */
export const SMALL_EPOCHS = 75;

/** Table 3: depth (conv + fc layers) and time complexity (operations, 10^10) of VGG-19 and models A, B, C. */
export const TABLE3 = {
  vgg19: { depth: 19, ops: 1.96 },
  A: { depth: 19, ops: 1.9 },
  B: { depth: 22, ops: 2.32 },
  C: { depth: 22, ops: 5.3 },
} as const;

/** Table 4: model A, dense testing, top-1 / top-5 % at scales 256, 384, 480 and the three combined. */
export const TABLE4 = {
  relu: [[26.25, 8.25], [24.77, 7.26], [25.46, 7.63], [24.02, 6.51]],
  prelu: [[25.81, 8.08], [24.2, 7.03], [24.83, 7.39], [22.97, 6.28]],
};

/** Table 5: single models, 10-view, top-1 / top-5 %. */
export const TABLE5: Record<string, [number, number]> = {
  "A-ReLU": [26.48, 8.59],
  "A-PReLU": [25.59, 8.23],
  "B-PReLU": [25.53, 8.13],
  "C-PReLU": [24.27, 7.38],
};

/** Table 6: single models, multi-scale dense testing, top-1 / top-5 %. */
export const TABLE6: Record<string, [number, number]> = {
  "A-ReLU": [24.02, 6.51],
  "A-PReLU": [22.97, 6.28],
  "B-PReLU": [22.85, 6.27],
  "C-PReLU": [21.59, 5.71],
};

/** Table 8: VOC 2007 mAP % of Fast R-CNN fine-tuned from each pre-trained net. */
export const TABLE8 = { "A+ReLU": 67.6, "A+PReLU": 68.4 };

/** ICCV Fig 3 [digitized]: first epoch below 0.95 and the final errors of the curves, He / Xavier. */
export const FIG3 = {
  below95: "1.14 / 1.58 (22 layers)",
  /** The 22-layer He net's error at its curve's end (3 epochs). */
  he22Final: 0.788,
  final22: "0.788 / 0.855 at 3 epochs",
  final30: "0.795 / 0.999 at 9.9 epochs",
};

/** Section 4's recipe: SGD with momentum, weight decay (none on the PReLU slopes), the base learning rate. */
export const RECIPE = {
  batch: 128,
  momentum: 0.9,
  weightDecay: 5e-4,
  lr: 0.01,
  /** The fc layers' init in practice: std 0.01, 0.01 and 0.001 (fc1, fc2, the classifier). */
  fcStds: [0.01, 0.01, 0.001],
  dropout: 0.5,
};
