package dev.keel.auth.accounts;

import java.time.Clock;
import java.time.Instant;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sign-up: auth-service owns the credentials, user-service the profile. The account (pending) and the profile
 * request are written in one transaction, then the profile is asked for at once; if user-service cannot answer now,
 * {@link ProfileDelivery} goes on asking, and the account signs in once it is made. Counted as
 * {@code keel.auth.sign.ups} by outcome.
 */
@Service
class SignUps {

	private static final Logger log = LoggerFactory.getLogger(SignUps.class);

	private final AccountRepository accounts;

	private final ProfileRequestRepository requests;

	private final ProfileDelivery delivery;

	private final PasswordEncoder passwords;

	private final RegisteredClientRepository clients;

	private final TransactionTemplate transaction;

	private final SignUpProperties properties;

	private final Clock clock;

	private final MeterRegistry meters;

	SignUps(AccountRepository accounts, ProfileRequestRepository requests, ProfileDelivery delivery,
			PasswordEncoder passwords, RegisteredClientRepository clients, TransactionTemplate transaction,
			SignUpProperties properties, Clock clock, MeterRegistry meters) {
		this.accounts = accounts;
		this.requests = requests;
		this.delivery = delivery;
		this.passwords = passwords;
		this.clients = clients;
		this.transaction = transaction;
		this.properties = properties;
		this.clock = clock;
		this.meters = meters;
		for (String outcome : new String[] { "active", "pending", "refused" }) {
			meters.counter("keel.auth.sign.ups", "outcome", outcome);
		}
	}

	/** The new account, active with its profile's id, or pending. */
	record SignedUp(String username, boolean active, Long profileId) {
	}

	SignedUp signUp(SignUpRequest request) {
		// A client's id is its tokens' subject: a person with that name would be taken for the service.
		if (this.clients.findByClientId(request.username()) != null) {
			throw new UsernameTaken();
		}
		String hash = this.passwords.encode(request.password());
		Instant now = this.clock.instant();
		long accountId;
		try {
			accountId = this.transaction.execute((status) -> {
				Account account = this.accounts.saveAndFlush(Account.signedUp(request.username(), hash));
				// Leased to this request, which tries first: the relay leaves it alone meanwhile.
				this.requests.save(new ProfileRequest(account.getId(), request.email(), request.name().strip(),
						now, now.plus(this.properties.lease())));
				return account.getId();
			});
		}
		catch (DataIntegrityViolationException ex) {
			if (this.accounts.findByUsername(request.username()).isPresent()) {
				throw new UsernameTaken();
			}
			throw ex;
		}
		ProfileDelivery.Delivered delivered;
		try {
			delivered = this.delivery.deliver(accountId);
		}
		catch (RuntimeException ex) {
			// The account and its request are stored: ProfileDelivery finishes it once the lease ends. Answering
			// with the failure would have the client sign up again, and be told the username is taken.
			log.warn("The profile of new account {} is left to the relay: {}", accountId, ex.toString());
			delivered = new ProfileDelivery.Delivered(ProfileDelivery.Outcome.NOT_YET, null, null);
		}
		switch (delivered.outcome()) {
			case MADE -> {
				count("active");
				return new SignedUp(request.username(), true, delivered.profileId());
			}
			case REFUSED -> {
				count("refused");
				throw switch (String.valueOf(delivered.refusal())) {
					case "duplicate-email" -> new EmailTaken();
					// Another account had this name, and its profile outlived it.
					case "profile-exists" -> new UsernameTaken();
					default -> new ProfileRefused();
				};
			}
			case GONE -> {
				// Finished or removed by another attempt meanwhile: the account says which.
				return this.accounts.findById(accountId).map((account) -> {
					count(account.isActive() ? "active" : "pending");
					return new SignedUp(request.username(), account.isActive(), null);
				}).orElseThrow(() -> {
					count("refused");
					return new ProfileRefused();
				});
			}
			default -> {
				count("pending");
				return new SignedUp(request.username(), false, null);
			}
		}
	}

	private void count(String outcome) {
		this.meters.counter("keel.auth.sign.ups", "outcome", outcome).increment();
	}

}
