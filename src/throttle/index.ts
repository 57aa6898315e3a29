// Throughput control: the Redis token bucket every instance shares per operator, and the adaptive
// (AIMD) rate that backs off when the carrier throttles.
export { RedisTokenBucket, type RateSource, type BucketPort } from './token-bucket.js';
export { AdaptiveRate, type AdaptiveRateOptions } from './adaptive-rate.js';
