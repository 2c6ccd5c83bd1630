package dev.keel.platform.security;

import java.io.IOException;
import java.net.MalformedURLException;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSetUnavailableException;
import com.nimbusds.jose.jwk.source.URLBasedJWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.ResourceRetriever;

/**
 * The issuer's keys where its discovery document says they are ({@link IssuerMetadata}), found on the first fetch
 * and kept; until then each fetch asks again, and a failure is an unavailable key set (the outage handling above
 * takes it), never a start-up failure.
 */
final class DiscoveredKeySet implements JWKSetSource<SecurityContext> {

	private final String issuer;

	private final ResourceRetriever retriever;

	private volatile JWKSetSource<SecurityContext> keys;

	DiscoveredKeySet(String issuer, ResourceRetriever retriever) {
		this.issuer = issuer;
		this.retriever = retriever;
	}

	@Override
	public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator refreshEvaluator, long currentTime, SecurityContext context)
			throws KeySourceException {
		return keys().getJWKSet(refreshEvaluator, currentTime, context);
	}

	private JWKSetSource<SecurityContext> keys() throws KeySourceException {
		JWKSetSource<SecurityContext> known = this.keys;
		if (known != null) {
			return known;
		}
		synchronized (this) {
			if (this.keys == null) {
				try {
					String document = this.retriever.retrieveResource(IssuerMetadata.discoveryUri(this.issuer).toURL())
						.getContent();
					this.keys = new URLBasedJWKSetSource<>(IssuerMetadata.jwksUri(this.issuer, document).toURL(),
							this.retriever);
				}
				catch (IOException | IllegalStateException | IllegalArgumentException ex) {
					throw new JWKSetUnavailableException("The issuer's keys could not be found: " + ex.getMessage(), ex);
				}
			}
			return this.keys;
		}
	}

	@Override
	public void close() throws IOException {
		JWKSetSource<SecurityContext> known = this.keys;
		if (known != null) {
			known.close();
		}
	}

}
