/**
 * Keys that share one bucket of the state tree (96,851, that of `sharedBucketTarget`), for tests
 * of buckets holding several leaves: found once by trying `order <n>` and `nonces <n>` for n = 0,
 * 1, … (about 2^18 tries per key, too slow to repeat in every run). `stateProof.test.ts` checks
 * that they do share it.
 */
export const sharedBucketTarget = 'balance 0x2b5ad5c4795c026514f8317c7a215e218dccd6cf USDT'
export const sharedBucketOrderKeys = [95_637, 116_528, 438_962, 690_202].map((n) => `order ${n}`)
export const sharedBucketNonceKeys = [
  77_831, 155_764, 303_998, 626_234, 896_342, 1_231_207, 1_616_892, 1_630_101,
].map((n) => `nonces ${n}`)
