// Timers and the clock behind a narrow interface (nats.js habit): production uses the globals, tests inject
// their own or use vi.useFakeTimers. The globals are looked up at call time so fake timers installed after
// import still apply.

export type TimerHandle = ReturnType<typeof setTimeout>;

export interface Timers {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    if (handle !== undefined) clearTimeout(handle);
  },
};

export const systemClock = (): number => Date.now();
