package dev.keel.platform.transaction;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.transaction.annotation.Isolation;

/**
 * Runs the annotated method as a transaction that is retried as a whole when the database refuses it for a
 * transient reason: a deadlock (MySQL 1213), a lock wait timeout (1205) or another lock-acquisition failure,
 * or a connection lost before commit. Each attempt is a fresh transaction, begun and ended by this
 * annotation: the method must not be called inside an existing transaction (that is refused, since the
 * outer transaction could not be retried) and needs no {@code @Transactional} of its own.
 * <p>
 * Never retried: constraint violations, validation and business errors, and failures during commit, whose
 * outcome is unknown. When the attempts or the time budget ({@code keel.transactions.*}) are spent, the
 * caller gets a 503 problem with {@code Retry-After}. Metrics per operation: {@code keel.transaction.attempts},
 * {@code keel.transaction.retries} (by cause), {@code keel.transaction.calls} (by outcome), and
 * Resilience4j's {@code resilience4j.retry.calls}.
 * <p>
 * The method must be safe to run again from the start: everything it does inside the transaction is rolled
 * back before a retry, but side effects outside the database (messages, calls to other services) are not.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RetryableTransaction {

	/**
	 * The operation's name: its metric tag and its Resilience4j retry instance.
	 */
	String value();

	/**
	 * Whether optimistic-lock conflicts are retried as well. Only right when each attempt reads the current
	 * state again, not when the version comes from the client (then the conflict is the client's to resolve).
	 */
	boolean retryOptimisticLockConflicts() default false;

	Isolation isolation() default Isolation.DEFAULT;

}
