package dev.keel.platform.client;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The service's own identity at the issuer, for its calls to other services ({@code keel.client-credentials}):
 * a confidential client of the OAuth 2.1 client credentials grant. Only a service that calls others has one.
 *
 * @param clientId the client id the issuer knows the service by (its token's {@code sub})
 * @param clientSecret the client's secret, from the secret store (never in config-repo in clear)
 * @param tokenUri the issuer's token endpoint, reached directly rather than through the public entry
 * @param scope the one scope the calls need, and no more
 * @param connectTimeout how long a token fetch waits to connect
 * @param readTimeout how long a token fetch waits for the answer
 */
@ConfigurationProperties("keel.client-credentials")
public record ClientCredentialsProperties(String clientId, String clientSecret, URI tokenUri, String scope,
		@DefaultValue("500ms") Duration connectTimeout, @DefaultValue("1s") Duration readTimeout) {

	/** Never the secret: records print every component. */
	@Override
	public String toString() {
		return "ClientCredentialsProperties[clientId=" + this.clientId + ", tokenUri=" + this.tokenUri + ", scope="
				+ this.scope + ", connectTimeout=" + this.connectTimeout + ", readTimeout=" + this.readTimeout + "]";
	}

}
