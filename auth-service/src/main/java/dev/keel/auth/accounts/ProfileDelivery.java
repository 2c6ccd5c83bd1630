package dev.keel.auth.accounts;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.data.domain.Limit;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;

import dev.keel.platform.client.ServiceClients;
import dev.keel.platform.problem.ProblemTypes;

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
		for (String outcome : new String[] { "made", "refused", "failed", "orphaned" }) {
			meters.counter("keel.auth.profile.deliveries", "outcome", outcome);
		}
	}

	/**
	 * What came of one attempt: the profile's id when made, the problem type user-service refused it with (such as
	 * {@code duplicate-email}) when refused.
	 */
	record Delivered(Outcome outcome, Long profileId, String refusal) {
	}

	enum Outcome {

		/** The profile exists and the account is active. */
		MADE,
		/** user-service refused the profile for good: the account is removed. */
		REFUSED,
		/** user-service could not be asked or did not answer: tried again later. */
		NOT_YET,
		/** Nothing to deliver, or no account left to activate: done or removed by another attempt meanwhile. */
		GONE

	}

	/** One attempt for the account's request, whose lease the caller holds. */
	Delivered deliver(long accountId) {
		Optional<ProfileRequest> pending = this.requests.findById(accountId);
		Optional<Account> account = this.accounts.findById(accountId);
		if (pending.isEmpty() || account.isEmpty()) {
			return new Delivered(Outcome.GONE, null, null);
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
				return refused(accountId, ex);
			}
			return failed(request, ex);
		}
		catch (RestClientException ex) {
			return failed(request, ex);
		}
		if (!activate(accountId)) {
			// An attempt whose account was refused meanwhile: user-service refuses only while no attempt for the
			// account can have made the profile, so this takes an attempt that outlived its timeout. Said loudly.
			count("orphaned");
			log.error("user-service made the profile of new account {}, which was removed meanwhile: a profile without "
					+ "an account (subject {}), to remove by hand", accountId, account.get().getUsername());
			return new Delivered(Outcome.GONE, null, null);
		}
		count("made");
		return new Delivered(Outcome.MADE, (made != null) ? made.id() : null, null);
	}

	/**
	 * Activates the account and deletes its request, in one transaction; false if the account is gone. Its version
	 * orders this against a refusal that removes it: whichever commits second fails, and is looked at again.
	 */
	private boolean activate(long accountId) {
		try {
			return Boolean.TRUE.equals(this.transaction.execute((status) -> {
				this.requests.deleteById(accountId);
				return this.accounts.findById(accountId).map((found) -> {
					found.activate();
					return true;
				}).orElse(false);
			}));
		}
		catch (OptimisticLockingFailureException ex) {
			if (this.accounts.existsById(accountId)) {
				throw ex;
			}
			return false;
		}
	}

	/** Delivers what is due, a batch at a time; a request another replica took meanwhile is left to it. */
	@Scheduled(fixedDelayString = "${keel.auth.sign-up.retry-every}", initialDelayString = "${keel.auth.sign-up.retry-every}")
	void deliverDue() {
		for (Long accountId : this.requests.findDue(this.clock.instant(), Limit.of(this.properties.batch()))) {
			// The time now, not the batch's: a lease runs from the attempt it is for.
			Instant now = this.clock.instant();
			try {
				if (this.requests.lease(accountId, now, now.plus(this.properties.lease())) == 1) {
					deliver(accountId);
				}
			}
			catch (RuntimeException ex) {
				// The database, most likely: the request stays, and is due again when its lease ends.
				log.warn("Delivering the profile of new account {} failed: {}", accountId, ex.toString());
			}
		}
	}

	private Delivered refused(long accountId, HttpClientErrorException refusal) {
		this.transaction.executeWithoutResult((tx) -> {
			this.requests.deleteById(accountId);
			this.accounts.findById(accountId).filter((account) -> !account.isActive()).ifPresent(this.accounts::delete);
		});
		String type = problemType(refusal);
		count("refused");
		log.info("user-service refused the profile of new account {} ({} {}): the account is removed", accountId,
				refusal.getStatusCode().value(), type);
		return new Delivered(Outcome.REFUSED, null, type);
	}

	/** The problem type's name ({@code duplicate-email}) among those sign-up answers for, or null. */
	private static String problemType(HttpClientErrorException refusal) {
		try {
			ProblemDetail problem = refusal.getResponseBodyAs(ProblemDetail.class);
			URI type = (problem != null) ? problem.getType() : null;
			return Stream.of("duplicate-email", "profile-exists")
				.filter((name) -> ProblemTypes.of(name).equals(type))
				.findFirst()
				.orElse(null);
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	private Delivered failed(ProfileRequest request, RestClientException failure) {
		int attempt = request.getAttempts() + 1;
		Instant next = this.clock.instant().plus(backoff(attempt));
		this.transaction.executeWithoutResult((tx) -> this.requests.findById(request.getAccountId())
			.ifPresent((current) -> current.failed(next)));
		count("failed");
		log.warn("The profile of new account {} could not be made yet (attempt {}); next attempt at {}: {}",
				request.getAccountId(), attempt, next, failure.toString());
		return new Delivered(Outcome.NOT_YET, null, null);
	}

	/** firstBackoff, doubled per further attempt, up to maxBackoff. */
	private Duration backoff(int attempt) {
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
