package dev.keel.platform.security;

import java.io.IOException;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSetUnavailableException;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;

/**
 * Nimbus's rate limiter refuses a fetch with an exception that its outage-tolerant cache does not absorb, so a
 * burst of tokens with made-up key ids would make every request fail until the limiter allows the next fetch
 * (and a refused refresh of expired keys would too). Seen as an outage instead, the limiter's refusal leaves the
 * last keys in use: tokens they verify pass, tokens that name another key are refused as invalid.
 */
final class ThrottledFetchesAsOutage implements JWKSetSource<SecurityContext> {

	private final JWKSetSource<SecurityContext> limited;

	ThrottledFetchesAsOutage(JWKSetSource<SecurityContext> limited) {
		this.limited = limited;
	}

	@Override
	public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator refreshEvaluator, long currentTime, SecurityContext context)
			throws KeySourceException {
		try {
			return this.limited.getJWKSet(refreshEvaluator, currentTime, context);
		}
		catch (RateLimitReachedException ex) {
			throw new JWKSetUnavailableException("Key set fetches are throttled", ex);
		}
	}

	@Override
	public void close() throws IOException {
		this.limited.close();
	}

}
