package dev.keel.gateway;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NormalizedPathFilterTests {

	@Test
	void acceptsOrdinaryApiPaths() {
		assertThat(NormalizedPathFilter.isNormalized("/api/v1/users/42")).isTrue();
		assertThat(NormalizedPathFilter.isNormalized("/api/v1/products/KB-001")).isTrue();
		assertThat(NormalizedPathFilter.isNormalized("/api/v1/products/a.b..c")).isTrue();
		assertThat(NormalizedPathFilter.isNormalized("/")).isTrue();
	}

	@Test
	void refusesDotSegmentsEncodedSeparatorsAndBackslashes() {
		assertThat(NormalizedPathFilter.isNormalized("/api/v1/users/../../actuator")).isFalse();
		assertThat(NormalizedPathFilter.isNormalized("/api/v1/users/..")).isFalse();
		assertThat(NormalizedPathFilter.isNormalized("/api/./v1")).isFalse();
		assertThat(NormalizedPathFilter.isNormalized("/api/v1/users/%2E%2E/x")).isFalse();
		assertThat(NormalizedPathFilter.isNormalized("/api/v1/users/..%2Factuator")).isFalse();
		assertThat(NormalizedPathFilter.isNormalized("/api/v1/users/..%5Cactuator")).isFalse();
		assertThat(NormalizedPathFilter.isNormalized("/api/v1/users\\..\\x")).isFalse();
		assertThat(NormalizedPathFilter.isNormalized("/api/v1/users//1")).isFalse();
	}

}
