package dev.keel.platform.config;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;

/**
 * Settings that follow a configuration refresh without a restart, for {@code @ConfigurationProperties}-style
 * records (which Spring Cloud cannot rebind, being immutable):
 * <pre>
 * Live&lt;OrderProperties&gt; orders = live.bind("orders", OrderProperties.class);
 * orders.get().maxLinesPerOrder();   // the value as of the last refresh
 * </pre>
 * A value is bound again, lazily, after each refresh. If the new configuration does not bind (a typo in a
 * duration, a value a record rejects), the previous value stays and the error is logged: a bad push must not
 * take a running service down.
 */
public class LiveProperties implements ApplicationListener<EnvironmentChangeEvent> {

	private static final Logger log = LoggerFactory.getLogger(LiveProperties.class);

	private final Environment environment;

	private final AtomicLong generation = new AtomicLong();

	public LiveProperties(Environment environment) {
		this.environment = environment;
	}

	/**
	 * The properties under {@code prefix}, bound to {@code type} now and again after each refresh.
	 */
	public <T> Live<T> bind(String prefix, Class<T> type) {
		return new Live<>(prefix, type);
	}

	@Override
	public void onApplicationEvent(EnvironmentChangeEvent event) {
		this.generation.incrementAndGet();
	}

	/** A setting as of the last configuration refresh. */
	public final class Live<T> implements Supplier<T> {

		private final String prefix;

		private final Class<T> type;

		private volatile T value;

		private volatile long boundAt = -1;

		private Live(String prefix, Class<T> type) {
			this.prefix = prefix;
			this.type = type;
			this.value = bindNow();
			this.boundAt = LiveProperties.this.generation.get();
		}

		@Override
		public T get() {
			long current = LiveProperties.this.generation.get();
			if (current != this.boundAt) {
				synchronized (this) {
					if (current != this.boundAt) {
						rebind();
						this.boundAt = current;
					}
				}
			}
			return this.value;
		}

		private void rebind() {
			try {
				T bound = bindNow();
				if (!bound.equals(this.value)) {
					log.info("{} changed: {}", this.prefix, bound);
				}
				this.value = bound;
			}
			catch (RuntimeException ex) {
				log.error("New configuration of {} rejected, keeping {}: {}", this.prefix, this.value,
						ex.getMessage());
			}
		}

		private T bindNow() {
			return Binder.get(LiveProperties.this.environment).bindOrCreate(this.prefix, Bindable.of(this.type));
		}

	}

}
