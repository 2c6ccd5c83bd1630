package dev.keel.platform.security;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ObservedKeySetsTests {

	private static final JWKSet FIRST = keySet("first");

	private static final JWKSet SECOND = keySet("second");

	private final KnownKeys known = new KnownKeys(new SimpleMeterRegistry());

	private final ObservedKeySets observed = new ObservedKeySets(this.known);

	/** What the issuer publishes, as the cache loads it. */
	private final AtomicReference<JWKSet> published = new AtomicReference<>(FIRST);

	/** What the cache hands out. */
	private final AtomicReference<JWKSet> cached = new AtomicReference<>();

	private final JWKSetSource<SecurityContext> loading = this.observed.loaded(new Fixed(this.published));

	private final JWKSetSource<SecurityContext> handing = this.observed.handedOut(new Fixed(this.cached));

	@Test
	void aSetIsKnownOnceHandedOutDatedByTheFetchThatLoadedIt() throws Exception {
		this.cached.set(this.loading.getJWKSet(null, 1_000, null));
		assertThat(this.known.current().keys()).as("loaded, not handed out yet").isEmpty();

		this.handing.getJWKSet(null, 2_000, null);

		assertKnown("first", 1_000);
	}

	@Test
	void anOlderSetHandedOutAfterANewerOneWasLoadedIsNotReported() throws Exception {
		loadAndHandOut(1_000);

		this.published.set(SECOND);
		this.loading.getJWKSet(null, 5_000, null);
		// A request that got the first set from the cache before it took in the second.
		this.handing.getJWKSet(null, 6_000, null);
		assertKnown("first", 1_000);

		this.cached.set(SECOND);
		this.handing.getJWKSet(null, 7_000, null);
		assertKnown("second", 5_000);
	}

	@Test
	void theSameSetGivenAgainIsNotDatedAgain() throws Exception {
		loadAndHandOut(1_000);

		// Through an issuer outage the source gives the last set again.
		loadAndHandOut(400_000);

		assertKnown("first", 1_000);
	}

	/** A request whose fetch the cache takes in, and which gets it back. */
	private void loadAndHandOut(long currentTime) throws Exception {
		this.cached.set(this.loading.getJWKSet(null, currentTime, null));
		this.handing.getJWKSet(null, currentTime, null);
	}

	private void assertKnown(String kid, long fetchedAt) {
		assertThat(this.known.current().keys()).containsOnlyKeys(kid);
		assertThat(this.known.current().fetchedAt()).isEqualTo(Instant.ofEpochMilli(fetchedAt));
	}

	private static JWKSet keySet(String kid) {
		return new JWKSet(List.of(new OctetSequenceKey.Builder(new byte[32]).keyID(kid).build()));
	}

	private record Fixed(AtomicReference<JWKSet> keys) implements JWKSetSource<SecurityContext> {

		@Override
		public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator refreshEvaluator, long currentTime, SecurityContext context) {
			return this.keys.get();
		}

		@Override
		public void close() {
		}

	}

}
