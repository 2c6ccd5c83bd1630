package dev.keel.auth.tokens;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;

/**
 * What every token says beyond Spring Authorization Server's defaults: which key signed it ({@code kid}), and in
 * access tokens the API it is for ({@code aud}) and, when it acts for a person, their roles. Counts the access
 * tokens issued ({@code keel.auth.tokens.issued}, by client and grant).
 */
public class TokenClaims implements OAuth2TokenCustomizer<JwtEncodingContext> {

	private static final String ROLE_PREFIX = "ROLE_";

	private final Supplier<String> activeKeyId;

	private final String audience;

	private final MeterRegistry meters;

	public TokenClaims(Supplier<String> activeKeyId, String audience, MeterRegistry meters) {
		this.activeKeyId = activeKeyId;
		this.audience = audience;
		this.meters = meters;
	}

	@Override
	public void customize(JwtEncodingContext context) {
		context.getJwsHeader().keyId(this.activeKeyId.get());
		if (!OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
			return;
		}
		this.meters.counter("keel.auth.tokens.issued", "client", context.getRegisteredClient().getClientId(), "grant",
				context.getAuthorizationGrantType().getValue()).increment();
		// ArrayLists: the claims are stored with the authorization, and read back on a refresh by a JSON mapper that
		// admits only the collection types it knows (List.of's and toList()'s are not among them).
		context.getClaims().audience(new ArrayList<>(List.of(this.audience)));
		Authentication principal = context.getPrincipal();
		if (!(principal instanceof OAuth2ClientAuthenticationToken)) {
			context.getClaims().claim("roles", principal.getAuthorities().stream()
				.map(GrantedAuthority::getAuthority)
				.filter((authority) -> authority != null && authority.startsWith(ROLE_PREFIX))
				.map((authority) -> authority.substring(ROLE_PREFIX.length()))
				.collect(Collectors.toCollection(ArrayList::new)));
		}
	}

}
