/**
 * The Redis bucket store: {@link io.tollgate.redis.RedisBucketStore} decides requests in atomic Lua script calls
 * ({@code tollgate_batch.lua}, the same integer math as {@link io.tollgate.core.bucket.TokenBucket}; concurrent
 * decisions share a call) on one shared Lettuce connection (a lane per node or slot on Cluster), configured by {@link io.tollgate.redis.RedisConnectionSettings} (standalone, TLS, Sentinel, Cluster).
 */
package io.tollgate.redis;
