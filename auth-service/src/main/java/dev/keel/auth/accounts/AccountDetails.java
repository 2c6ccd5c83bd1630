package dev.keel.auth.accounts;

import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.stereotype.Service;

/** Spring Security's view of an account: its password hash, its roles, and whether it may sign in yet (pending). */
@Service
class AccountDetails implements UserDetailsService {

	private final AccountRepository accounts;

	AccountDetails(AccountRepository accounts) {
		this.accounts = accounts;
	}

	@Override
	public UserDetails loadUserByUsername(String username) {
		Account account = this.accounts.findByUsername(username)
			.orElseThrow(() -> new UsernameNotFoundException("no such account"));
		return User.withUsername(account.getUsername())
			.password(account.getPasswordHash())
			.roles(account.getRoles().toArray(String[]::new))
			.disabled(!account.isActive())
			.build();
	}

}
