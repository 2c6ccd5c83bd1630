package dev.keel.platform.transaction;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.UnexpectedRollbackException;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The interceptor's decisions, with a transaction manager whose commit can be made to fail as
 * {@code JpaTransactionManager} reports it. CommitOutcomeUnknownIT (order-service) breaks a real commit on the
 * real database.
 */
class RetryableTransactionInterceptorTests {

	private final FlakyTransactionManager transactions = new FlakyTransactionManager();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	@Test
	void aFailedCommitIsNotRetriedAndReportsAnUnknownOutcome() {
		this.transactions.commitFailure = new RecoverableDataAccessException("Unable to commit against JDBC Connection",
				new SQLException("Communications link failure", "08S01"));
		Work work = proxy(new TransactionRetryProperties(5, Duration.ofMillis(1), 2, 0, Duration.ofMillis(5),
				Duration.ofSeconds(5), Duration.ofSeconds(1)));

		assertThatExceptionOfType(TransactionOutcomeUnknown.class).isThrownBy(work::succeed);

		assertThat(work.calls()).hasValue(1);
		assertThat(this.meters.get("keel.transaction.calls").tag("outcome", "outcome_unknown").counter().count())
			.isEqualTo(1);
	}

	@Test
	void aCommitRolledBackBecauseTheMethodSwallowedAFailureIsNeitherRetriedNorAnUnknownOutcome() {
		this.transactions.commitFailure = new UnexpectedRollbackException("marked rollback-only");
		Work work = proxy(new TransactionRetryProperties(5, Duration.ofMillis(1), 2, 0, Duration.ofMillis(5),
				Duration.ofSeconds(5), Duration.ofSeconds(1)));

		assertThatExceptionOfType(UnexpectedRollbackException.class).isThrownBy(work::succeed);

		assertThat(work.calls()).hasValue(1);
		assertThat(this.meters.get("keel.transaction.calls").tag("outcome", "failed").counter().count()).isEqualTo(1);
	}

	@Test
	void stopsAfterMaxAttemptsAndRollsEachOneBack() {
		Work work = proxy(new TransactionRetryProperties(3, Duration.ofMillis(1), 2, 0, Duration.ofMillis(5),
				Duration.ofSeconds(5), Duration.ofSeconds(2)));

		assertThatExceptionOfType(TransactionRetriesExhausted.class).isThrownBy(work::deadlock)
			.satisfies((ex) -> assertThat(ex.getHeaders().getFirst("Retry-After")).isEqualTo("2"));

		assertThat(work.calls()).hasValue(3);
		assertThat(work.attemptsSeen()).as("what TransactionAttempt told each attempt").containsExactly(1, 2, 3);
		assertThat(TransactionAttempt.number()).as("outside").isZero();
		assertThat(this.transactions.rollbacks).hasValue(3);
		assertThat(this.meters.get("keel.transaction.attempts").counter().count()).isEqualTo(3);
		assertThat(this.meters.get("keel.transaction.retries").tag("cause", "deadlock").counter().count())
			.as("retries, not failures").isEqualTo(2);
	}

	@Test
	void aBackoffThatWouldOutlastTheTimeBudgetIsNotWaitedFor() {
		// The first wait (at least 10 s) cannot fit in a budget of 1 s: give up at once instead of sleeping first.
		Work work = proxy(new TransactionRetryProperties(100, Duration.ofSeconds(10), 1, 0, Duration.ofSeconds(10),
				Duration.ofSeconds(1), Duration.ofSeconds(1)));

		assertThatExceptionOfType(TransactionRetriesExhausted.class).isThrownBy(work::deadlock);

		assertThat(work.calls()).hasValue(1);
		assertThat(this.meters.get("keel.transaction.calls").tag("outcome", "exhausted").counter().count())
			.isEqualTo(1);
	}

	@Test
	void eachCallFollowsTheSettingsOfItsTimeAndTheRulesOfItsOwnMethod() {
		AtomicReference<TransactionRetryProperties> settings = new AtomicReference<>(new TransactionRetryProperties(3,
				Duration.ofMillis(1), 1, 0, Duration.ofMillis(1), Duration.ofSeconds(5), Duration.ofSeconds(1)));
		Work work = proxy(settings::get);

		assertThatExceptionOfType(TransactionRetriesExhausted.class).isThrownBy(work::deadlock);
		assertThat(work.calls()).hasValue(3);

		settings.set(new TransactionRetryProperties(2, Duration.ofMillis(1), 1, 0, Duration.ofMillis(1),
				Duration.ofSeconds(5), Duration.ofSeconds(1)));
		work.calls().set(0);
		assertThatExceptionOfType(TransactionRetriesExhausted.class).isThrownBy(work::deadlock);
		assertThat(work.calls()).as("after a refresh").hasValue(2);

		// Two methods of one operation name: optimistic-lock conflicts are retried only for the one that says so.
		work.calls().set(0);
		assertThatExceptionOfType(TransactionRetriesExhausted.class).isThrownBy(work::rereadingConflict);
		assertThat(work.calls()).hasValue(2);
		work.calls().set(0);
		assertThatExceptionOfType(OptimisticLockingFailureException.class).isThrownBy(work::clientVersionConflict);
		assertThat(work.calls()).hasValue(1);
	}

	@Test
	void settingsThatWouldRetryWithoutPauseOrNeverAreRefused() {
		Duration ms = Duration.ofMillis(1);
		Duration s = Duration.ofSeconds(1);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new TransactionRetryProperties(3, Duration.ZERO, 1, 0, ms, s, s))
			.withMessageContaining("initial-backoff");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new TransactionRetryProperties(3, ms, 1, 0, ms, Duration.ofMillis(-1), s))
			.withMessageContaining("max-total-time");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new TransactionRetryProperties(3, s, 1, 0, ms, s, s))
			.withMessageContaining("max-backoff");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new TransactionRetryProperties(3, ms, 1, 0, ms, s, Duration.ZERO))
			.withMessageContaining("retry-after");
	}

	@Test
	void classifiesDriverErrorsWhateverTheirTranslation() {
		assertThat(TransientFailure.of(new RuntimeException(new SQLException("deadlock", "40001", 1213)), false))
			.contains(TransientFailure.DEADLOCK);
		assertThat(TransientFailure.of(new RuntimeException(new SQLException("lock wait", "HY000", 1205)), false))
			.contains(TransientFailure.LOCK_WAIT_TIMEOUT);
		assertThat(TransientFailure.of(new RuntimeException(new SQLException("lock wait", "40001", 1205)), false))
			.as("as MariaDB reports it").contains(TransientFailure.LOCK_WAIT_TIMEOUT);
		assertThat(TransientFailure.of(new RuntimeException(new SQLException("link failure", "08S01", 0)), false))
			.contains(TransientFailure.CONNECTION);
		assertThat(TransientFailure.of(new CannotAcquireLockException("nowait"), false))
			.contains(TransientFailure.LOCK_NOT_ACQUIRED);
		assertThat(TransientFailure.of(new RuntimeException(new SQLException("dup", "23000", 1062)), false)).isEmpty();
		assertThat(TransientFailure.of(new IllegalArgumentException(), false)).isEmpty();
	}

	private Work proxy(TransactionRetryProperties properties) {
		return proxy(() -> properties);
	}

	private Work proxy(Supplier<TransactionRetryProperties> properties) {
		StaticListableBeanFactory beans = new StaticListableBeanFactory();
		beans.addBean("transactionManager", this.transactions);
		beans.addBean("meters", this.meters);
		RetryableTransactionInterceptor interceptor = new RetryableTransactionInterceptor(
				beans.getBeanProvider(PlatformTransactionManager.class), properties,
				beans.getBeanProvider(MeterRegistry.class));
		ProxyFactory factory = new ProxyFactory(new Work());
		factory.addAdvisor(new DefaultPointcutAdvisor(
				AnnotationMatchingPointcut.forMethodAnnotation(RetryableTransaction.class), interceptor));
		factory.setProxyTargetClass(true);
		return (Work) factory.getProxy();
	}

	static class Work {

		private final AtomicInteger calls = new AtomicInteger();

		private final List<Integer> attemptsSeen = new ArrayList<>();

		AtomicInteger calls() {
			return this.calls;
		}

		@RetryableTransaction("succeed")
		void succeed() {
			this.calls.incrementAndGet();
		}

		List<Integer> attemptsSeen() {
			return this.attemptsSeen;
		}

		@RetryableTransaction("deadlock")
		void deadlock() {
			this.calls.incrementAndGet();
			this.attemptsSeen.add(TransactionAttempt.number());
			throw new CannotAcquireLockException("deadlock", new SQLException("Deadlock found", "40001", 1213));
		}

		@RetryableTransaction(value = "conflict", retryOptimisticLockConflicts = true)
		void rereadingConflict() {
			this.calls.incrementAndGet();
			throw new OptimisticLockingFailureException("changed since read");
		}

		@RetryableTransaction("conflict")
		void clientVersionConflict() {
			this.calls.incrementAndGet();
			throw new OptimisticLockingFailureException("stale version from the client");
		}

	}

	static class FlakyTransactionManager extends AbstractPlatformTransactionManager {

		volatile RuntimeException commitFailure;

		final AtomicInteger rollbacks = new AtomicInteger();

		@Override
		protected Object doGetTransaction() {
			return new Object();
		}

		@Override
		protected void doBegin(Object transaction, TransactionDefinition definition) {
		}

		@Override
		protected void doCommit(DefaultTransactionStatus status) {
			if (this.commitFailure != null) {
				throw this.commitFailure;
			}
		}

		@Override
		protected void doRollback(DefaultTransactionStatus status) {
			this.rollbacks.incrementAndGet();
		}

	}

}
