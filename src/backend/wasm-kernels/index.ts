// Registers lapo's training kernels on the 'wasm' backend (one file per kernel family).
export function registerWasmTrainingKernels(): void {}
