// The backend tests train on: LAPO_TEST_BACKEND (cpu|wasm|native|auto), default `cpu` for pure numerics.
// Training tests call useTrainingBackend(), which takes the product's default (`auto`) unless overridden.
import { initBackend, parseBackend, type BackendInfo } from '../../src/backend/init.js';

export async function useCpuBackend(): Promise<BackendInfo> {
  return initBackend('cpu');
}

export async function useTrainingBackend(): Promise<BackendInfo> {
  return initBackend(parseBackend(process.env.LAPO_TEST_BACKEND ?? 'auto'));
}
