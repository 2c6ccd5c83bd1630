package dev.keel.platform.security;

import java.io.IOException;
import java.time.Instant;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;

/**
 * Tells {@link KnownKeys} of each key set verifications are handed, once per set. It sits outside Nimbus's cache so
 * that {@link KnownKeys} never runs ahead of the keys in use. A set is dated by the request that first got it: the
 * one whose fetch the cache dates it by, or one that waited for that fetch (later by at most the fetch's time).
 */
final class ObservedKeySets implements JWKSetSource<SecurityContext> {

	private final JWKSetSource<SecurityContext> keys;

	private final KnownKeys known;

	private volatile JWKSet last;

	ObservedKeySets(JWKSetSource<SecurityContext> keys, KnownKeys known) {
		this.keys = keys;
		this.known = known;
	}

	@Override
	public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator refreshEvaluator, long currentTime, SecurityContext context)
			throws KeySourceException {
		JWKSet keys = this.keys.getJWKSet(refreshEvaluator, currentTime, context);
		if (keys != this.last) {
			this.last = keys;
			this.known.fetched(keys, Instant.ofEpochMilli(currentTime));
		}
		return keys;
	}

	@Override
	public void close() throws IOException {
		this.keys.close();
	}

}
