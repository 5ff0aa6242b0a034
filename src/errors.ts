// User-caused errors. Every error a user can cause (bad path, bad flag, bad file, bad config) is a LapoError:
// one line naming the file/key/flag and what was expected vs found. The CLI prints `lapo: <message>` (and the
// hint, if any) to stderr and exits with `exitCode`, without a stack trace unless --verbose.
// Exit codes: 2 = usage/config (bad flag, bad config key), 1 = data/runtime (bad file, non-finite loss).

export type LapoErrorCode =
  | 'usage'
  | 'config'
  | 'backend'
  | 'data'
  | 'checkpoint'
  | 'runtime'
  | 'interrupted';

const EXIT_CODES: Record<LapoErrorCode, number> = {
  usage: 2,
  config: 2,
  backend: 2,
  data: 1,
  checkpoint: 1,
  runtime: 1,
  interrupted: 130,
};

export class LapoError extends Error {
  readonly code: LapoErrorCode;
  readonly hint?: string;
  constructor(code: LapoErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'LapoError';
    this.code = code;
    this.hint = hint;
  }
  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

export function isLapoError(e: unknown): e is LapoError {
  return e instanceof LapoError;
}

/** Formats a shape like `[N,64,64,3]` for messages. */
export function fmtShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(',')}]`;
}

/** Messages kept in one place so that their wording stays consistent across commands. */
export const errors = {
  dataFile(file: string, key: string, expected: string, found: string): LapoError {
    return new LapoError('data', `${file}: ${key}: expected ${expected}, found ${found}`);
  },
  missingFile(file: string, what = 'file'): LapoError {
    return new LapoError('data', `${file}: no such ${what}`);
  },
  badFlag(flag: string, expected: string, found: string): LapoError {
    return new LapoError('usage', `${flag}: expected ${expected}, found ${JSON.stringify(found)}`);
  },
  configKey(source: string, key: string, expected: string, found: string): LapoError {
    return new LapoError('config', `${source}: ${key}: expected ${expected}, found ${found}`);
  },
  checkpoint(dir: string, what: string): LapoError {
    return new LapoError('checkpoint', `${dir}: ${what}`);
  },
  backendMissing(backend: string, install: string): LapoError {
    return new LapoError('backend', `--backend ${backend}: not available on this machine; ${install}`);
  },
};
