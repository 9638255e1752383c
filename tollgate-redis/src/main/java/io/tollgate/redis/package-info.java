/**
 * The Redis bucket store: {@link io.tollgate.redis.RedisBucketStore} decides every request with one atomic Lua script
 * ({@code tollgate.lua}, the same integer math as {@link io.tollgate.core.bucket.TokenBucket}) on one shared Lettuce
 * connection, configured by {@link io.tollgate.redis.RedisConnectionSettings} (standalone, TLS, Sentinel, Cluster).
 */
package io.tollgate.redis;
