package dev.keel.platform.security;

import java.io.IOException;
import java.time.Instant;
import java.util.function.ObjLongConsumer;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;

/**
 * Tells {@link KnownKeys} of each key set Nimbus's cache takes in, once verifications are handed it, so that
 * {@link KnownKeys} never runs ahead of the keys in use nor goes back to older ones. A set is stamped where the cache
 * loads it ({@link #loaded}: under the cache's lock, dated by the request whose fetch it was, as the cache dates it)
 * and reported when the cache hands it out ({@link #handedOut}), if it is still the latest loaded. A set the source
 * gives again unchanged (through an issuer outage, the last one) is not stamped again: it ages.
 */
final class ObservedKeySets {

	private final KnownKeys known;

	private volatile Loaded latest;

	/** Guarded by this. */
	private Loaded reported;

	ObservedKeySets(KnownKeys known) {
		this.known = known;
	}

	/** What the cache loads from, stamping each new set. */
	JWKSetSource<SecurityContext> loaded(JWKSetSource<SecurityContext> source) {
		return new Observing(source, this::stamp);
	}

	/** The cache, reporting the latest set loaded the first time it is handed out. */
	JWKSetSource<SecurityContext> handedOut(JWKSetSource<SecurityContext> cache) {
		return new Observing(cache, (keys, currentTime) -> {
			Loaded latest = this.latest;
			if (latest != null && latest.keys() == keys) {
				report(latest);
			}
		});
	}

	private void stamp(JWKSet keys, long currentTime) {
		Loaded latest = this.latest;
		if (latest == null || latest.keys() != keys) {
			this.latest = new Loaded(keys, Instant.ofEpochMilli(currentTime));
		}
	}

	private synchronized void report(Loaded latest) {
		if (latest != this.reported) {
			this.reported = latest;
			this.known.fetched(latest.keys(), latest.at());
		}
	}

	private record Loaded(JWKSet keys, Instant at) {
	}

	private static final class Observing implements JWKSetSource<SecurityContext> {

		private final JWKSetSource<SecurityContext> source;

		private final ObjLongConsumer<JWKSet> observer;

		Observing(JWKSetSource<SecurityContext> source, ObjLongConsumer<JWKSet> observer) {
			this.source = source;
			this.observer = observer;
		}

		@Override
		public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator refreshEvaluator, long currentTime,
				SecurityContext context) throws KeySourceException {
			JWKSet keys = this.source.getJWKSet(refreshEvaluator, currentTime, context);
			this.observer.accept(keys, currentTime);
			return keys;
		}

		@Override
		public void close() throws IOException {
			this.source.close();
		}

	}

}
