// Int and e2e tests talk to real servers: allow them time (Jest 29 has no per-project testTimeout).
jest.setTimeout(Number(process.env.TEST_TIMEOUT_MS ?? 120_000));
