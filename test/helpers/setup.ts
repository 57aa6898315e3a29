// Runs in every test worker. In CI the property tests use one fixed seed, so a run is reproducible and a
// red CI always means a change, not a draw; locally each run explores new seeds (and prints the seed of
// any failure, to be replayed with `seed` and `path`).
import fc from 'fast-check';

if (process.env.CI) fc.configureGlobal({ seed: 20_261_122 });
