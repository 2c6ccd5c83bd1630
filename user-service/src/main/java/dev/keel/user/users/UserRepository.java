package dev.keel.user.users;

import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;

interface UserRepository extends JpaRepository<User, Long> {

	boolean existsByEmail(String email);

	Optional<User> findByAccount(String subject);

	boolean existsByEmailAndIdNot(String email, Long id);

}
