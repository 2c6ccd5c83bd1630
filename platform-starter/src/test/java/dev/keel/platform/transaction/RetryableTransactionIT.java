package dev.keel.platform.transaction;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Lazy;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Retrying transactions against a real MariaDB that really deadlocks and really times out lock waits.
 */
// No config-repo here: the resource server's issuer is platform-test's.
@SpringBootTest(properties = { "spring.security.oauth2.resourceserver.jwt.issuer-uri=${KEEL_ISSUER}",
		"spring.security.oauth2.resourceserver.jwt.jwk-set-uri=${KEEL_JWK_SET_URI}",
		"keel.transactions.retry.max-attempts=4", "keel.transactions.retry.initial-backoff=10ms",
		"keel.transactions.retry.max-total-time=2500ms" })
class RetryableTransactionIT {

	private static final int FILLER_ROWS = 50;

	@Autowired
	private Probe probe;

	@Autowired
	private JdbcTemplate jdbc;

	@Autowired
	private DataSource dataSource;

	@Autowired
	private MeterRegistry meters;

	@BeforeEach
	void resetTable() {
		this.jdbc.execute("CREATE TABLE IF NOT EXISTS retry_probe (id INT PRIMARY KEY, value INT NOT NULL)");
		this.jdbc.update("DELETE FROM retry_probe");
		for (int id = 1; id <= 2 + FILLER_ROWS; id++) {
			this.jdbc.update("INSERT INTO retry_probe VALUES (?, 0)", id);
		}
		this.probe.attempts().set(0);
	}

	@Test
	void aDeadlockVictimIsRetriedInAFreshTransactionAndSucceeds() throws Exception {
		CyclicBarrier bothHoldOneRow = new CyclicBarrier(2);
		double retriesBefore = counter("keel.transaction.retries", "forwardTransfer", "cause", "deadlock");
		// The other transaction locks row 2 (and many more rows, so that InnoDB picks the lighter probe as the
		// victim), then row 1; the probe locks row 1, then row 2.
		CompletableFuture<Void> other = CompletableFuture.runAsync(() -> {
			try (Connection connection = this.dataSource.getConnection(); Statement sql = connection.createStatement()) {
				connection.setAutoCommit(false);
				sql.executeUpdate("UPDATE retry_probe SET value = value + 100 WHERE id > 2");
				sql.executeUpdate("UPDATE retry_probe SET value = value + 10 WHERE id = 2");
				bothHoldOneRow.await(5, TimeUnit.SECONDS);
				sql.executeUpdate("UPDATE retry_probe SET value = value + 10 WHERE id = 1");
				connection.commit();
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		});

		this.probe.forwardTransfer(bothHoldOneRow);
		other.get(10, TimeUnit.SECONDS);

		assertThat(this.probe.attempts()).as("attempts").hasValue(2);
		assertThat(this.jdbc.queryForObject("SELECT value FROM retry_probe WHERE id = 1", Integer.class))
			.as("both transactions' updates of row 1, the victim's once").isEqualTo(11);
		assertThat(this.jdbc.queryForObject("SELECT value FROM retry_probe WHERE id = 2", Integer.class)).isEqualTo(9);
		assertThat(counter("keel.transaction.retries", "forwardTransfer", "cause", "deadlock"))
			.isEqualTo(retriesBefore + 1);
		assertThat(counter("keel.transaction.calls", "forwardTransfer", "outcome", "success_after_retry"))
			.isGreaterThanOrEqualTo(1);
	}

	@Test
	void aLockHeldLongerThanTheBudgetEndsInA503ProblemAndStoresNothing() throws Exception {
		try (Connection holder = this.dataSource.getConnection(); Statement sql = holder.createStatement()) {
			holder.setAutoCommit(false);
			sql.executeQuery("SELECT * FROM retry_probe WHERE id = 1 FOR UPDATE").close();
			long start = System.nanoTime();

			assertThatExceptionOfType(TransactionRetriesExhausted.class).isThrownBy(() -> this.probe.touchRowOne())
				.satisfies((ex) -> {
					assertThat(ex.getStatusCode().value()).isEqualTo(503);
					assertThat(ex.getHeaders().getFirst("Retry-After")).isEqualTo("1");
					assertThat(ex.getBody().getType().toString()).endsWith("/database-contention");
				});

			Duration took = Duration.ofNanos(System.nanoTime() - start);
			// A deadline, not a speed: the call gives up within its budget instead of waiting for the lock forever.
			assertThat(took).as("bounded by max-total-time plus one lock wait").isLessThan(Duration.ofSeconds(20));
			assertThat(this.probe.attempts().get()).isBetween(2, 4);
			holder.rollback();
		}
		assertThat(this.jdbc.queryForObject("SELECT value FROM retry_probe WHERE id = 1", Integer.class)).isZero();
		assertThat(counter("keel.transaction.calls", "touchRowOne", "outcome", "exhausted")).isGreaterThanOrEqualTo(1);
	}

	@Test
	void constraintViolationsAreNeverRetried() {
		assertThatExceptionOfType(DuplicateKeyException.class).isThrownBy(() -> this.probe.insertExisting());

		assertThat(this.probe.attempts()).hasValue(1);
	}

	@Test
	void businessErrorsRollBackAndAreNeverRetried() {
		assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> this.probe.updateThenRefuse());

		assertThat(this.probe.attempts()).hasValue(1);
		assertThat(this.jdbc.queryForObject("SELECT value FROM retry_probe WHERE id = 1", Integer.class)).isZero();
	}

	@Test
	void optimisticLockConflictsAreRetriedOnlyWhenTheOperationSaysSo() {
		assertThat(this.probe.rereadingUpdate(1)).isEqualTo(2);

		this.probe.attempts().set(0);
		assertThatExceptionOfType(OptimisticLockingFailureException.class)
			.isThrownBy(() -> this.probe.clientVersionedUpdate());
		assertThat(this.probe.attempts()).hasValue(1);
	}

	@Test
	void refusesToRunInsideATransactionItCannotRetry() {
		assertThatIllegalStateException().isThrownBy(() -> this.probe.outer())
			.withMessageContaining("inside a transaction");
	}

	private double counter(String name, String operation, String tag, String value) {
		var counter = this.meters.find(name).tag("operation", operation).tag(tag, value).counter();
		return (counter != null) ? counter.count() : 0;
	}

	@SpringBootApplication
	@Import(Probe.class)
	static class ProbeApplication {

		@Bean
		MeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

	}

	static class Probe {

		private final AtomicInteger attempts = new AtomicInteger();

		private final JdbcTemplate jdbc;

		private Probe self;

		Probe(JdbcTemplate jdbc) {
			this.jdbc = jdbc;
		}

		/** The counter itself, not a field read through the proxy. */
		AtomicInteger attempts() {
			return this.attempts;
		}

		@Autowired
		void self(@Lazy Probe self) {
			this.self = self;
		}

		@RetryableTransaction("forwardTransfer")
		void forwardTransfer(CyclicBarrier bothHoldOneRow) throws Exception {
			int attempt = this.attempts.incrementAndGet();
			this.jdbc.update("UPDATE retry_probe SET value = value + 1 WHERE id = 1");
			if (attempt == 1) {
				bothHoldOneRow.await(5, TimeUnit.SECONDS);
			}
			this.jdbc.update("UPDATE retry_probe SET value = value - 1 WHERE id = 2");
		}

		@RetryableTransaction("touchRowOne")
		void touchRowOne() {
			this.attempts.incrementAndGet();
			this.jdbc.update("UPDATE retry_probe SET value = value + 1 WHERE id = 1");
		}

		@RetryableTransaction("insertExisting")
		void insertExisting() {
			this.attempts.incrementAndGet();
			this.jdbc.update("INSERT INTO retry_probe VALUES (1, 0)");
		}

		@RetryableTransaction("updateThenRefuse")
		void updateThenRefuse() {
			this.attempts.incrementAndGet();
			this.jdbc.update("UPDATE retry_probe SET value = 42 WHERE id = 1");
			throw new IllegalArgumentException("business rule");
		}

		@RetryableTransaction(value = "rereadingUpdate", retryOptimisticLockConflicts = true)
		int rereadingUpdate(int conflicts) {
			if (this.attempts.incrementAndGet() <= conflicts) {
				throw new OptimisticLockingFailureException("row changed since it was read");
			}
			return this.attempts.get();
		}

		@RetryableTransaction("clientVersionedUpdate")
		void clientVersionedUpdate() {
			this.attempts.incrementAndGet();
			throw new OptimisticLockingFailureException("version from the client is stale");
		}

		@Transactional
		void outer() {
			this.self.touchRowOne();
		}

	}

}
