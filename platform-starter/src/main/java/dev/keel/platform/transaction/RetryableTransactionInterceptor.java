package dev.keel.platform.transaction;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.micrometer.core.instrument.MeterRegistry;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryListener;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryState;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.core.retry.Retryable;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.UnexpectedRollbackException;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Runs {@link RetryableTransaction} methods: Spring's {@link RetryTemplate} outside, a fresh transaction per
 * attempt inside, so that a deadlock victim, whose whole transaction MySQL rolled back, starts again from the
 * beginning. The policy is built per call from the current settings and the method's own annotation, so that
 * a configuration refresh applies to the next call and two operations never share each other's rules; its
 * time budget is checked before each backoff, with the backoff counted, so that no wait is spent on an attempt
 * that could not start in time.
 * <p>
 * Each attempt flushes before it commits: everything the database can refuse for transient reasons (a
 * deadlock, a lock wait) then happens before the commit, where a retry is safe. A failure of the commit
 * itself is never retried: the database may have committed before the connection broke, and running the
 * transaction again would do its work twice.
 */
class RetryableTransactionInterceptor implements MethodInterceptor {

	private static final Logger log = LoggerFactory.getLogger(RetryableTransactionInterceptor.class);

	private final ObjectProvider<PlatformTransactionManager> transactionManager;

	private final Supplier<TransactionRetryProperties> properties;

	private final ObjectProvider<MeterRegistry> meters;

	/** The operations seen so far: as many as there are annotated methods. */
	private final Set<String> knownOperations = ConcurrentHashMap.newKeySet();

	RetryableTransactionInterceptor(ObjectProvider<PlatformTransactionManager> transactionManager,
			Supplier<TransactionRetryProperties> properties, ObjectProvider<MeterRegistry> meters) {
		this.transactionManager = transactionManager;
		this.properties = properties;
		this.meters = meters;
	}

	@Override
	public Object invoke(MethodInvocation invocation) throws Throwable {
		RetryableTransaction annotation = AnnotatedElementUtils.findMergedAnnotation(invocation.getMethod(),
				RetryableTransaction.class);
		String operation = annotation.value();
		if (TransactionSynchronizationManager.isActualTransactionActive()) {
			throw new IllegalStateException("@RetryableTransaction(\"" + operation + "\") on "
					+ invocation.getMethod().toGenericString() + " was called inside a transaction; "
					+ "only a transaction it begins itself can be retried");
		}
		TransactionRetryProperties settings = this.properties.get();
		boolean optimisticLockRetryable = annotation.retryOptimisticLockConflicts();
		if (this.knownOperations.add(operation)) {
			// A zero per cause from the first call on, so that a retry-storm alert compares against a series.
			this.meters.ifAvailable((registry) -> Arrays.stream(TransientFailure.values())
				.forEach((cause) -> registry.counter("keel.transaction.retries", "operation", operation, "cause",
						cause.tag())));
		}
		RetryTemplate retries = new RetryTemplate(policy(settings, optimisticLockRetryable));
		retries.setRetryListener(new RetryCounter(operation, optimisticLockRetryable));
		Attempts attempts = new Attempts(invocation, annotation);
		try {
			Object result = retries.execute(attempts);
			outcome(operation, (attempts.count == 1) ? "success_without_retry" : "success_after_retry");
			return result;
		}
		catch (RetryException ex) {
			Throwable last = ex.getCause();
			if (last instanceof CommitFailed commitFailed) {
				throw outcomeUnknown(operation, commitFailed.getCause());
			}
			Optional<TransientFailure> cause = TransientFailure.of(last, optimisticLockRetryable);
			if (cause.isPresent()) {
				throw exhausted(operation, attempts.count, cause.get(), last, settings);
			}
			outcome(operation, "failed");
			throw last;
		}
	}

	private static RetryPolicy policy(TransactionRetryProperties settings, boolean optimisticLockRetryable) {
		return RetryPolicy.builder()
			.maxRetries(settings.maxAttempts() - 1)
			.delay(settings.initialBackoff())
			.multiplier(settings.multiplier())
			.jitter(Duration.ofNanos(Math.round(settings.initialBackoff().toNanos() * settings.jitter())))
			.maxDelay(settings.maxBackoff())
			.timeout(settings.maxTotalTime())
			.predicate((failure) -> !(failure instanceof CommitFailed)
					&& TransientFailure.of(failure, optimisticLockRetryable).isPresent())
			.build();
	}

	private RuntimeException outcomeUnknown(String operation, Throwable commitFailure) {
		outcome(operation, "outcome_unknown");
		log.warn("{} failed while committing; outcome unknown ({})", operation,
				TransientFailure.describe(commitFailure), commitFailure);
		return new TransactionOutcomeUnknown(operation, commitFailure);
	}

	private RuntimeException exhausted(String operation, int attempts, TransientFailure cause, Throwable last,
			TransactionRetryProperties settings) {
		outcome(operation, "exhausted");
		log.warn("{} gave up after {} attempts: {} ({})", operation, attempts, cause.tag(),
				TransientFailure.describe(last));
		long retryAfter = Math.max(1, settings.retryAfter().toSeconds());
		return new TransactionRetriesExhausted(operation, attempts, cause, retryAfter, last);
	}

	private void outcome(String operation, String outcome) {
		this.meters.ifAvailable((registry) -> registry
			.counter("keel.transaction.calls", "operation", operation, "outcome", outcome)
			.increment());
	}

	/** The attempts of one call: each a transaction of its own. */
	private final class Attempts implements Retryable<Object> {

		private final MethodInvocation invocation;

		private final RetryableTransaction annotation;

		private int count;

		Attempts(MethodInvocation invocation, RetryableTransaction annotation) {
			this.invocation = invocation;
			this.annotation = annotation;
		}

		@Override
		public Object execute() throws Throwable {
			this.count++;
			meters.ifAvailable((registry) -> registry
				.counter("keel.transaction.attempts", "operation", this.annotation.value())
				.increment());
			TransactionAttempt.set(this.count);
			try {
				return attempt();
			}
			finally {
				TransactionAttempt.clear();
			}
		}

		@Override
		public String getName() {
			return this.annotation.value();
		}

		private Object attempt() throws Throwable {
			DefaultTransactionDefinition definition = new DefaultTransactionDefinition();
			definition.setName(this.annotation.value());
			definition.setIsolationLevel(this.annotation.isolation().value());
			PlatformTransactionManager manager = transactionManager.getObject();
			TransactionStatus transaction = manager.getTransaction(definition);
			Object result;
			try {
				result = this.invocation.proceed();
				// Whatever the database may still refuse, it refuses now, before the commit.
				transaction.flush();
			}
			catch (Throwable failure) {
				rollbackQuietly(manager, transaction, failure);
				throw failure;
			}
			try {
				manager.commit(transaction);
			}
			catch (UnexpectedRollbackException ex) {
				// Rolled back because the method swallowed a failure of its own transaction: nothing was stored,
				// so the outcome is known, but the swallowed cause is not, so it is not retried either. A bug to
				// fix where the failure was caught.
				throw ex;
			}
			catch (RuntimeException ex) {
				throw new CommitFailed(ex);
			}
			return result;
		}

	}

	/** Counts retries per cause. */
	private final class RetryCounter implements RetryListener {

		private final String operation;

		private final boolean optimisticLockRetryable;

		RetryCounter(String operation, boolean optimisticLockRetryable) {
			this.operation = operation;
			this.optimisticLockRetryable = optimisticLockRetryable;
		}

		@Override
		public void beforeRetry(RetryPolicy policy, Retryable<?> retryable, RetryState state) {
			Throwable failure = state.getLastException();
			Optional<TransientFailure> cause = TransientFailure.of(failure, this.optimisticLockRetryable);
			cause.ifPresent((transientFailure) -> {
				meters.ifAvailable((registry) -> registry
					.counter("keel.transaction.retries", "operation", this.operation, "cause", transientFailure.tag())
					.increment());
				log.debug("{} retried after attempt {} failed ({}: {})", this.operation, state.getRetryCount(),
						transientFailure.tag(), TransientFailure.describe(failure));
			});
		}

	}

	private static void rollbackQuietly(PlatformTransactionManager manager, TransactionStatus transaction,
			Throwable failure) {
		try {
			manager.rollback(transaction);
		}
		catch (RuntimeException rollbackFailure) {
			failure.addSuppressed(rollbackFailure);
		}
	}

	/** The commit itself failed, so the outcome is unknown. */
	private static final class CommitFailed extends RuntimeException {

		CommitFailed(RuntimeException cause) {
			super(cause.getMessage(), cause, false, false);
		}

	}

}
