package dev.keel.gateway;

import java.util.Set;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.web.server.authorization.AuthorizationContext;

import dev.keel.platform.config.LiveProperties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The gateway's scope rules as configuration: the most specific pattern decides, a refresh brings a new rule (and a
 * broken one keeps the old rules), and a key that lost its brackets in YAML is refused rather than matching nothing.
 */
class RequiredScopesTests {

	private final MockEnvironment environment = new MockEnvironment()
		.withProperty("keel.gateway.required-scopes.[/api/v1/**]", "everything")
		.withProperty("keel.gateway.required-scopes.[/api/v1/users/**]", "users");

	private final LiveProperties live = new LiveProperties(this.environment);

	private final RequiredScopes scopes = new RequiredScopes(this.live);

	@Test
	void theMostSpecificPatternDecidesWhateverTheOrder() {
		assertThat(granted("/api/v1/users/7", "SCOPE_users")).isTrue();
		assertThat(granted("/api/v1/users/7", "SCOPE_everything")).isFalse();
		assertThat(granted("/api/v1/orders/7", "SCOPE_everything")).isTrue();
		assertThat(granted("/api/v1/orders/7", "SCOPE_users")).isFalse();
	}

	@Test
	void aPathNoPatternMatchesNeedsATokenAndNoScope() {
		assertThat(granted("/api/docs/user-service", "ROLE_customer")).isTrue();
	}

	@Test
	void aRefreshBringsANewServicesRuleWithItsRoute() {
		assertThat(granted("/api/v1/items/1", "SCOPE_everything")).isTrue();

		this.environment.setProperty("keel.gateway.required-scopes.[/api/v1/items/**]", "inventory");
		this.live.onApplicationEvent(new EnvironmentChangeEvent(Set.of("keel.gateway.required-scopes.[/api/v1/items/**]")));

		assertThat(granted("/api/v1/items/1", "SCOPE_everything")).isFalse();
		assertThat(granted("/api/v1/items/1", "SCOPE_inventory")).isTrue();
		assertThat(this.scopes.apis()).containsExactlyInAnyOrder("users", "items");
		assertThat(this.scopes.api("/api/v1/items/1")).isEqualTo("items");
		assertThat(this.scopes.api("/api/v1/users")).isEqualTo("users");
		assertThat(this.scopes.api("/api/v1/orders/1")).isEqualTo("other");
	}

	@Test
	void aRefreshWithAPatternThatDoesNotParseKeepsTheRulesItHad() {
		this.environment.setProperty("keel.gateway.required-scopes.[/api/v1/{id/**]", "broken");
		this.live.onApplicationEvent(new EnvironmentChangeEvent(Set.of("keel.gateway.required-scopes.[/api/v1/{id/**]")));

		assertThat(granted("/api/v1/users/7", "SCOPE_users")).isTrue();
		assertThat(granted("/api/v1/users/7", "SCOPE_everything")).isFalse();
	}

	@Test
	void aKeyThatLostItsBracketsIsRefusedNotIgnored() {
		MockEnvironment unbracketed = new MockEnvironment().withProperty("keel.gateway.required-scopes.api.v1.x", "x");

		assertThatThrownBy(() -> new RequiredScopes(new LiveProperties(unbracketed))).rootCause()
			.hasMessageContaining("is not a path pattern and a scope");
	}

	private boolean granted(String path, String authority) {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get(path));
		return this.scopes
			.authorize(Mono.just(new TestingAuthenticationToken("caller", null, authority)),
					new AuthorizationContext(exchange))
			.block()
			.isGranted();
	}

}
