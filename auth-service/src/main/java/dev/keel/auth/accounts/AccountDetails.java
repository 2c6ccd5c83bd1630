package dev.keel.auth.accounts;

import java.time.Clock;
import java.util.Locale;

import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.stereotype.Service;

/** Spring Security's view of an account: its password hash, its roles, and whether it is locked now. */
@Service
class AccountDetails implements UserDetailsService {

	private final AccountRepository accounts;

	private final Clock clock;

	AccountDetails(AccountRepository accounts, Clock clock) {
		this.accounts = accounts;
		this.clock = clock;
	}

	@Override
	public UserDetails loadUserByUsername(String username) {
		Account account = this.accounts.findByUsername(username)
			.orElseThrow(() -> new UsernameNotFoundException("no such account"));
		return User.withUsername(account.getUsername())
			.password(account.getPasswordHash())
			.roles(account.getRoles().stream().map((role) -> role.toUpperCase(Locale.ROOT)).toArray(String[]::new))
			.accountLocked(account.lockedAt(this.clock.instant()))
			.build();
	}

}
