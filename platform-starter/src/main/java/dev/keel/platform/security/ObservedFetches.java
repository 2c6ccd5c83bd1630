package dev.keel.platform.security;

import java.io.IOException;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;

/** Tells {@link KnownKeys} what each fetch of the issuer's key set brought. */
final class ObservedFetches implements JWKSetSource<SecurityContext> {

	private final JWKSetSource<SecurityContext> fetched;

	private final KnownKeys known;

	ObservedFetches(JWKSetSource<SecurityContext> fetched, KnownKeys known) {
		this.fetched = fetched;
		this.known = known;
	}

	@Override
	public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator refreshEvaluator, long currentTime, SecurityContext context)
			throws KeySourceException {
		JWKSet keys = this.fetched.getJWKSet(refreshEvaluator, currentTime, context);
		this.known.fetched(keys);
		return keys;
	}

	@Override
	public void close() throws IOException {
		this.fetched.close();
	}

}
