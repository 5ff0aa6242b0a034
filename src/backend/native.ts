// Native OpenBLAS kernels on the cpu backend (placeholder until the native engine lands).
export function nativeAvailable(): boolean {
  return false;
}

export async function setupNative(_threads?: number): Promise<{ name: 'native'; threads: number; detail: string }> {
  throw new Error('native engine not built');
}
