package dev.keel.auth.accounts;

import java.time.Instant;
import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.transaction.annotation.Transactional;

interface AccountRepository extends JpaRepository<Account, Long> {

	Optional<Account> findByUsername(String username);

	/**
	 * One statement, so that concurrent wrong passwords each count: the {@code maxFailures}-th in a row locks the
	 * account until {@code lockedUntil} and starts the count again.
	 */
	@Transactional
	@Modifying
	@Query("""
			update Account a
			set a.lockedUntil = case when a.failedSignIns + 1 >= :maxFailures then :lockedUntil else a.lockedUntil end,
			    a.failedSignIns = case when a.failedSignIns + 1 >= :maxFailures then 0 else a.failedSignIns + 1 end
			where a.username = :username""")
	int countFailedSignIn(String username, int maxFailures, Instant lockedUntil);

	@Transactional
	@Modifying
	@Query("update Account a set a.failedSignIns = 0, a.lockedUntil = null where a.username = :username and a.failedSignIns > 0")
	int countSignIn(String username);

}
