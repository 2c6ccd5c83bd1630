package dev.keel.auth.accounts;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * How sign-up's pending profiles are delivered to user-service ({@code keel.auth.sign-up}).
 *
 * @param retryEvery how often pending profiles are looked for
 * @param firstBackoff the wait after a failed attempt, doubled after each further one
 * @param maxBackoff the longest wait between attempts: attempts go on until user-service answers
 * @param lease how long one attempt holds a request against the others: longer than an attempt can take (a token
 * fetch and a call, each with its timeouts)
 * @param batch requests delivered per run, so that a backlog is worked through in steps
 */
@Validated
@ConfigurationProperties("keel.auth.sign-up")
record SignUpProperties(@NotNull Duration retryEvery, @NotNull Duration firstBackoff, @NotNull Duration maxBackoff,
		@NotNull Duration lease, @Positive int batch) {
}
