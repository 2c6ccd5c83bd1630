package dev.keel.auth.accounts;

import java.time.Instant;
import java.util.List;

import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.transaction.annotation.Transactional;

interface ProfileRequestRepository extends JpaRepository<ProfileRequest, Long> {

	@Query("select r.accountId from ProfileRequest r where r.nextAttemptAt <= :now order by r.nextAttemptAt")
	List<Long> findDue(Instant now, Limit limit);

	/**
	 * Takes the request for an attempt, if it is still due: one replica wins (1), the others see it moved (0).
	 */
	@Transactional
	@Modifying
	@Query("update ProfileRequest r set r.nextAttemptAt = :until where r.accountId = :accountId and r.nextAttemptAt <= :now")
	int lease(long accountId, Instant now, Instant until);

}
