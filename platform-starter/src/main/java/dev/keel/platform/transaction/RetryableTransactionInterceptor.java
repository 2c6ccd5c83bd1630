package dev.keel.platform.transaction;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicReference;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Runs {@link RetryableTransaction} methods: Resilience4j's retry outside, a fresh transaction per attempt
 * inside, so that a deadlock victim, whose whole transaction MySQL rolled back, starts again from the
 * beginning.
 */
class RetryableTransactionInterceptor implements MethodInterceptor {

	private static final Logger log = LoggerFactory.getLogger(RetryableTransactionInterceptor.class);

	private final ObjectProvider<PlatformTransactionManager> transactionManager;

	private final ObjectProvider<RetryRegistry> retries;

	private final Supplier<TransactionRetryProperties> properties;

	private final Map<String, Map.Entry<TransactionRetryProperties, Retry>> retriesByOperation = new ConcurrentHashMap<>();

	private final ObjectProvider<MeterRegistry> meters;

	RetryableTransactionInterceptor(ObjectProvider<PlatformTransactionManager> transactionManager,
			ObjectProvider<RetryRegistry> retries, Supplier<TransactionRetryProperties> properties,
			ObjectProvider<MeterRegistry> meters) {
		this.transactionManager = transactionManager;
		this.retries = retries;
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
		long deadline = System.nanoTime() + settings.maxTotalTime().toNanos();
		AtomicInteger attempts = new AtomicInteger();
		AtomicReference<TransientFailure> lastFailure = new AtomicReference<>();
		AtomicReference<Throwable> lastException = new AtomicReference<>();
		Retry retry = retry(operation, annotation.retryOptimisticLockConflicts(), settings);
		try {
			Object result = retry.executeCheckedSupplier(() -> {
				if (attempts.get() > 0 && System.nanoTime() > deadline) {
					throw new RetryBudgetSpent(lastException.get());
				}
				int attempt = attempts.incrementAndGet();
				count("keel.transaction.attempts", operation);
				TransactionAttempt.set(attempt);
				try {
					return attempt(invocation, annotation);
				}
				catch (Throwable failure) {
					Optional<TransientFailure> transientFailure = TransientFailure.of(failure,
							annotation.retryOptimisticLockConflicts());
					transientFailure.ifPresent((cause) -> {
						lastFailure.set(cause);
						lastException.set(failure);
						this.meters.ifAvailable((registry) -> registry
							.counter("keel.transaction.retries", "operation", operation, "cause", cause.tag())
							.increment());
						log.debug("{} attempt {} failed ({}: {})", operation, attempt, cause.tag(),
								TransientFailure.describe(failure));
					});
					throw failure;
				}
				finally {
					TransactionAttempt.clear();
				}
			});
			outcome(operation, (attempts.get() == 1) ? "success_without_retry" : "success_after_retry");
			return result;
		}
		catch (RetryBudgetSpent | CommitFailed ex) {
			throw exhaustedOrUnknown(operation, attempts.get(), lastFailure.get(), ex, settings);
		}
		catch (Throwable failure) {
			if (isRetryable(failure, annotation.retryOptimisticLockConflicts())) {
				throw exhaustedOrUnknown(operation, attempts.get(), lastFailure.get(), failure, settings);
			}
			outcome(operation, "failed");
			throw failure;
		}
	}

	private Object attempt(MethodInvocation invocation, RetryableTransaction annotation) throws Throwable {
		DefaultTransactionDefinition definition = new DefaultTransactionDefinition();
		definition.setName(annotation.value());
		definition.setIsolationLevel(annotation.isolation().value());
		PlatformTransactionManager manager = this.transactionManager.getObject();
		TransactionStatus transaction = manager.getTransaction(definition);
		Object result;
		try {
			result = invocation.proceed();
		}
		catch (Throwable failure) {
			rollbackQuietly(manager, transaction, failure);
			throw failure;
		}
		try {
			manager.commit(transaction);
		}
		catch (TransactionException ex) {
			throw new CommitFailed(ex);
		}
		return result;
	}

	private RuntimeException exhaustedOrUnknown(String operation, int attempts, TransientFailure lastFailure,
			Throwable failure, TransactionRetryProperties settings) {
		if (failure instanceof CommitFailed commitFailed) {
			outcome(operation, "outcome_unknown");
			log.warn("{} failed while committing; outcome unknown ({})", operation,
					TransientFailure.describe(commitFailed.getCause()), commitFailed.getCause());
			return new TransactionOutcomeUnknown(operation, commitFailed.getCause());
		}
		Throwable cause = (failure instanceof RetryBudgetSpent) ? failure.getCause() : failure;
		outcome(operation, "exhausted");
		log.warn("{} gave up after {} attempts: {} ({})", operation, attempts,
				(lastFailure != null) ? lastFailure.tag() : "unknown",
				(cause != null) ? TransientFailure.describe(cause) : "time budget spent");
		long retryAfter = Math.max(1, settings.retryAfter().toSeconds());
		return new TransactionRetriesExhausted(operation, attempts, lastFailure, retryAfter, cause);
	}

	/**
	 * The operation's Resilience4j retry, replaced in the registry when its settings have changed (a
	 * configuration refresh), so that metrics keep one name per operation.
	 */
	private Retry retry(String operation, boolean optimisticLockRetryable, TransactionRetryProperties settings) {
		String name = "transaction-" + operation;
		return this.retriesByOperation.compute(name, (key, current) -> {
			if (current != null && current.getKey().equals(settings)) {
				return current;
			}
			if (current == null) {
				// A zero per cause from the first call on, so a retry-storm alert compares against a series.
				this.meters.ifAvailable((meters) -> Arrays.stream(TransientFailure.values())
					.forEach((cause) -> meters.counter("keel.transaction.retries", "operation", operation, "cause",
							cause.tag())));
			}
			Retry retry = Retry.of(name, RetryConfig.custom()
				.maxAttempts(settings.maxAttempts())
				.intervalFunction(IntervalFunction.ofExponentialRandomBackoff(settings.initialBackoff(),
						settings.multiplier(), settings.jitter(), settings.maxBackoff()))
				.retryOnException((failure) -> isRetryable(failure, optimisticLockRetryable))
				.failAfterMaxAttempts(false)
				.build());
			RetryRegistry registry = this.retries.getObject();
			if (registry.find(name).isPresent()) {
				registry.replace(name, retry);
			}
			else {
				registry.addConfiguration(name, retry.getRetryConfig());
				retry = registry.retry(name, name);
			}
			return Map.entry(settings, retry);
		}).getValue();
	}

	private static boolean isRetryable(Throwable failure, boolean optimisticLockRetryable) {
		return !(failure instanceof NotRetryable) && TransientFailure.of(failure, optimisticLockRetryable).isPresent();
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

	private void count(String name, String operation) {
		this.meters.ifAvailable((registry) -> registry.counter(name, "operation", operation).increment());
	}

	private void outcome(String operation, String outcome) {
		this.meters.ifAvailable((registry) -> registry
			.counter("keel.transaction.calls", "operation", operation, "outcome", outcome)
			.increment());
	}

	/** Ends the retries whatever the cause it carries. */
	private abstract static class NotRetryable extends RuntimeException {

		NotRetryable(String message, Throwable cause) {
			super(message, cause, false, false);
		}

	}

	/** The time budget ran out before the next attempt could start. */
	private static final class RetryBudgetSpent extends NotRetryable {

		RetryBudgetSpent(Throwable lastFailure) {
			super("time budget spent", lastFailure);
		}

	}

	/** The commit itself failed, so the outcome is unknown. */
	private static final class CommitFailed extends NotRetryable {

		CommitFailed(TransactionException cause) {
			super(cause.getMessage(), cause);
		}

	}

}
