package dev.keel.auth.accounts;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Creates the local and dev environments' accounts before the service is ready, or resets them to the configured
 * passwords and roles, so that {@code ./platform token alice} works on any data directory.
 */
@Component
class SeedAccounts implements ApplicationRunner {

	private static final Log logger = LogFactory.getLog(SeedAccounts.class);

	private final AccountRepository accounts;

	private final AccountProperties properties;

	private final PasswordEncoder passwords;

	private final TransactionTemplate transaction;

	SeedAccounts(AccountRepository accounts, AccountProperties properties, PasswordEncoder passwords,
			TransactionTemplate transaction) {
		this.accounts = accounts;
		this.properties = properties;
		this.passwords = passwords;
		this.transaction = transaction;
	}

	@Override
	public void run(ApplicationArguments args) {
		for (AccountProperties.Seed seed : this.properties.seed()) {
			String hash = this.passwords.encode(seed.password());
			try {
				this.transaction.executeWithoutResult((status) -> this.accounts.findByUsername(seed.username())
					.ifPresentOrElse((account) -> account.reset(hash, seed.roles()),
							() -> this.accounts.save(new Account(seed.username(), hash, seed.roles()))));
			}
			catch (DataIntegrityViolationException | OptimisticLockingFailureException ex) {
				// Another replica created or reset it at the same moment, with the same settings.
			}
		}
		if (!this.properties.seed().isEmpty()) {
			logger.info("Seeded accounts " + this.properties.seed().stream().map(AccountProperties.Seed::username).toList());
		}
	}

}
