package dev.keel.auth.accounts;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.domain.Limit;
import org.springframework.http.MediaType;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;

import dev.keel.platform.client.ServiceClients;

/**
 * Makes a pending account's profile at user-service, then activates the account: sign-up's outbox relay. The
 * sign-up tries once itself; what fails is tried again here, every {@code keel.auth.sign-up.retry-every}, with a
 * growing wait, until user-service answers. user-service makes one profile per account however often it is asked
 * (keyed by the subject), so a repeated delivery is harmless; a final refusal (an e-mail another profile has)
 * removes the account, so that no account is left without a profile and no profile without an account.
 * Counted as {@code keel.auth.profile.deliveries} by outcome.
 */
@Component
class ProfileDelivery {

	private static final Logger log = LoggerFactory.getLogger(ProfileDelivery.class);

	/** user-service's answers that no retry changes: the request itself is refused. */
	private static final Set<Integer> FINAL_REFUSALS = Set.of(400, 409, 422);

	private final RestClient userService;

	private final AccountRepository accounts;

	private final ProfileRequestRepository requests;

	private final TransactionTemplate transaction;

	private final SignUpProperties properties;

	private final Clock clock;

	private final MeterRegistry meters;

	ProfileDelivery(ServiceClients clients, AccountRepository accounts, ProfileRequestRepository requests,
			TransactionTemplate transaction, SignUpProperties properties, Clock clock, MeterRegistry meters) {
		this.userService = clients.builder("user-service").build();
		this.accounts = accounts;
		this.requests = requests;
		this.transaction = transaction;
		this.properties = properties;
		this.clock = clock;
		this.meters = meters;
		for (String outcome : new String[] { "made", "refused", "failed" }) {
			meters.counter("keel.auth.profile.deliveries", "outcome", outcome);
		}
	}

	/** What came of one attempt: the profile's id when made. */
	record Delivered(Outcome outcome, Long profileId) {
	}

	enum Outcome {

		/** The profile exists and the account is active. */
		MADE,
		/** user-service refused the profile for good: the account is removed. */
		REFUSED,
		/** user-service could not be asked or did not answer: tried again later. */
		NOT_YET,
		/** Nothing to deliver: done or removed by another attempt meanwhile. */
		GONE

	}

	/** One attempt for the account's request, whose lease the caller holds. */
	Delivered deliver(long accountId) {
		Optional<ProfileRequest> pending = this.requests.findById(accountId);
		Optional<Account> account = this.accounts.findById(accountId);
		if (pending.isEmpty() || account.isEmpty()) {
			return new Delivered(Outcome.GONE, null);
		}
		ProfileRequest request = pending.get();
		Profile made;
		try {
			made = this.userService.put()
				.uri("/internal/v1/profiles/{subject}", account.get().getUsername())
				.contentType(MediaType.APPLICATION_JSON)
				.body(new NewProfile(request.getEmail(), request.getName()))
				.retrieve()
				.body(Profile.class);
		}
		catch (HttpClientErrorException ex) {
			if (FINAL_REFUSALS.contains(ex.getStatusCode().value())) {
				return refused(accountId, ex.getStatusCode().value());
			}
			return failed(request, ex);
		}
		catch (RestClientException ex) {
			return failed(request, ex);
		}
		this.transaction.executeWithoutResult((status) -> {
			this.accounts.findById(accountId).ifPresent(Account::activate);
			this.requests.deleteById(accountId);
		});
		count("made");
		return new Delivered(Outcome.MADE, (made != null) ? made.id() : null);
	}

	/** Delivers what is due, a batch at a time; a request another replica took meanwhile is left to it. */
	@Scheduled(fixedDelayString = "${keel.auth.sign-up.retry-every}", initialDelayString = "${keel.auth.sign-up.retry-every}")
	void deliverDue() {
		Instant now = this.clock.instant();
		for (Long accountId : this.requests.findDue(now, Limit.of(this.properties.batch()))) {
			if (this.requests.lease(accountId, now, now.plus(this.properties.lease())) == 1) {
				deliver(accountId);
			}
		}
	}

	private Delivered refused(long accountId, int status) {
		this.transaction.executeWithoutResult((tx) -> {
			this.requests.deleteById(accountId);
			this.accounts.findById(accountId).filter((account) -> !account.isActive()).ifPresent(this.accounts::delete);
		});
		count("refused");
		log.info("user-service refused the profile of new account {} ({}): the account is removed", accountId, status);
		return new Delivered(Outcome.REFUSED, null);
	}

	private Delivered failed(ProfileRequest request, RestClientException failure) {
		int attempt = request.getAttempts() + 1;
		Instant next = this.clock.instant().plus(backoff(attempt));
		this.transaction.executeWithoutResult((tx) -> this.requests.findById(request.getAccountId())
			.ifPresent((current) -> current.failed(next)));
		count("failed");
		log.warn("The profile of new account {} could not be made yet (attempt {}); next attempt at {}: {}",
				request.getAccountId(), attempt, next, failure.toString());
		return new Delivered(Outcome.NOT_YET, null);
	}

	/** firstBackoff, doubled per further attempt, up to maxBackoff. */
	Duration backoff(int attempt) {
		Duration max = this.properties.maxBackoff();
		Duration wait = this.properties.firstBackoff();
		for (int i = 1; i < attempt && wait.compareTo(max) < 0; i++) {
			wait = wait.multipliedBy(2);
		}
		return (wait.compareTo(max) < 0) ? wait : max;
	}

	private void count(String outcome) {
		this.meters.counter("keel.auth.profile.deliveries", "outcome", outcome).increment();
	}

	/** What user-service makes a profile from. */
	record NewProfile(String email, String name) {
	}

	/** user-service's profile, as far as sign-up needs it. */
	record Profile(long id) {
	}

}
