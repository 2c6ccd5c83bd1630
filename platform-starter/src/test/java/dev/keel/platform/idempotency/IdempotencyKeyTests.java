package dev.keel.platform.idempotency;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class IdempotencyKeyTests {

	@Test
	void absentKeyIsFineUnlessRequired() {
		assertThat(IdempotencyKey.of(null, false)).isEmpty();
		assertThatExceptionOfType(IdempotencyKey.Required.class).isThrownBy(() -> IdempotencyKey.of(null, true))
			.satisfies((ex) -> assertThat(ex.getStatusCode().value()).isEqualTo(400));
	}

	@Test
	void acceptsVisibleAsciiUpTo255Characters() {
		assertThat(IdempotencyKey.of("0b1c6f0e-5a3e-4d7c-9b9e-2f1d3c4b5a69", true)).isPresent();
		assertThat(IdempotencyKey.of("x".repeat(255), false)).isPresent();
	}

	@Test
	void refusesEmptyLongAndNonVisibleKeys() {
		for (String key : new String[] { "", " ", "a b", "x".repeat(256), "clé", "tab\tkey" }) {
			assertThatExceptionOfType(IdempotencyKey.Invalid.class).as(key)
				.isThrownBy(() -> IdempotencyKey.of(key, false));
		}
	}

	@Test
	void aStoredKeyReplaysOnlyTheSameRequest() {
		IdempotencyStore.Stored stored = new IdempotencyStore.Stored(IdempotencyStore.fingerprint("a"), "42");

		assertThat(stored.replayFor(IdempotencyStore.fingerprint("a"))).isEqualTo("42");
		assertThatExceptionOfType(IdempotencyProblems.KeyReused.class)
			.isThrownBy(() -> stored.replayFor(IdempotencyStore.fingerprint("b")));
	}

}
