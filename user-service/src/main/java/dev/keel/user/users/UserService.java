package dev.keel.user.users;

import java.util.Optional;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.keel.platform.security.Caller;
import dev.keel.platform.security.NotPermitted;

/**
 * Profiles, each owned by the account that created it. A customer sees, changes and deletes only their own; any
 * other id answers as if it did not exist, so that ids cannot be probed. An administrator may read any profile
 * and list them all, but changes none that is not theirs. A service with {@link #READ_ANY} (order-service, to
 * show whose an order is, with its own token) may read any profile by id, and nothing else. auth-service, with
 * {@link #PROVISION}, makes each new account's own profile at sign-up ({@link #provision}).
 */
@Service
class UserService {

	/** The scope of another service's own token that reads any profile by id (keel.security.read-scopes). */
	static final String READ_ANY = "users:read";

	/** The scope of auth-service's own token that makes a new account's profile. */
	static final String PROVISION = "users:provision";

	private final UserRepository users;

	UserService(UserRepository users) {
		this.users = users;
	}

	@Transactional
	UserResponse create(Caller caller, UserRequest request) {
		String email = request.canonicalEmail();
		if (this.users.existsByEmail(email)) {
			throw new DuplicateEmail();
		}
		try {
			// Flush here so that a concurrent insert of the same e-mail surfaces as a 409, not at commit.
			return UserResponse.of(this.users.saveAndFlush(new User(caller.subject(), email, request.name().trim())));
		}
		catch (DataIntegrityViolationException ex) {
			throw new DuplicateEmail();
		}
	}

	/**
	 * The profile of a new account, made once: auth-service calls again until it has an answer, and a repeated call
	 * answers with the profile made before. An e-mail another profile has is a 409, which auth-service takes as a
	 * final refusal, so it is answered only once no call for this account can have made the profile. Not one
	 * transaction: each read sees what concurrent calls committed, and a failed insert is followed by a fresh read.
	 */
	Provisioned provision(Caller caller, String subject, UserRequest request) {
		if (!caller.hasScope(PROVISION)) {
			throw new NotPermitted("Only auth-service makes an account's profile.");
		}
		String email = request.canonicalEmail();
		Optional<User> made = this.users.findByAccount(subject);
		if (made.isPresent()) {
			return replay(made.get(), email);
		}
		if (this.users.existsByEmail(email)) {
			// Perhaps a concurrent call for this account, committed since the look-up above.
			return this.users.findByAccount(subject).map((user) -> replay(user, email)).orElseThrow(DuplicateEmail::new);
		}
		try {
			User user = this.users.saveAndFlush(User.ofAccount(subject, email, request.name().trim()));
			return new Provisioned(UserResponse.of(user), true);
		}
		catch (DataIntegrityViolationException ex) {
			// A concurrent call for the same account made it (that profile is the answer), or another profile took
			// the e-mail in between.
			return this.users.findByAccount(subject).map((user) -> replay(user, email)).orElseThrow(DuplicateEmail::new);
		}
	}

	/**
	 * The answer to a repeated call. auth-service sends one sign-up's e-mail on every attempt, and nobody changes the
	 * profile before its account first signs in; another e-mail is another sign-up under a name an earlier account
	 * had, which must not be handed that account's profile.
	 */
	private Provisioned replay(User user, String email) {
		if (!user.getEmail().equals(email)) {
			throw new ProfileExists();
		}
		return new Provisioned(UserResponse.of(user), false);
	}

	/** A provisioned profile, and whether this call made it. */
	record Provisioned(UserResponse profile, boolean created) {
	}

	@Transactional(readOnly = true)
	UserResponse mine(Caller caller) {
		return this.users.findByAccount(caller.subject())
			.map(UserResponse::of)
			.orElseThrow(() -> new UserNotFound("No profile was made for this account at sign-up."));
	}

	@Transactional(readOnly = true)
	UserResponse get(Caller caller, long id) {
		User user = find(id);
		if (!caller.mayRead(user.getOwner()) && !caller.hasScope(READ_ANY)) {
			throw new UserNotFound(id);
		}
		return UserResponse.of(user);
	}

	@Transactional(readOnly = true)
	Page<UserResponse> page(Caller caller, int page, int size) {
		if (!caller.administrator()) {
			throw new NotPermitted("Only administrators may list every profile.");
		}
		return this.users.findAll(PageRequest.of(page, size, Sort.by("id"))).map(UserResponse::of);
	}

	@Transactional
	UserResponse update(Caller caller, long id, UserUpdate update) {
		User user = findOwn(caller, id);
		if (user.getVersion() != update.version()) {
			throw new StaleVersion(id, update.version());
		}
		String email = update.canonicalEmail();
		if (this.users.existsByEmailAndIdNot(email, id)) {
			throw new DuplicateEmail();
		}
		user.rename(email, update.name().trim());
		try {
			return UserResponse.of(this.users.saveAndFlush(user));
		}
		catch (OptimisticLockingFailureException ex) {
			// Another request updated the same version between our read and our write.
			throw new StaleVersion(id, update.version());
		}
		catch (DataIntegrityViolationException ex) {
			throw new DuplicateEmail();
		}
	}

	@Transactional
	void delete(Caller caller, long id) {
		this.users.delete(findOwn(caller, id));
	}

	/** The caller's own profile: someone else's is not found, or, for an administrator who may see it, forbidden. */
	private User findOwn(Caller caller, long id) {
		User user = find(id);
		if (!caller.owns(user.getOwner())) {
			if (caller.mayRead(user.getOwner())) {
				throw new NotPermitted("Only the profile's owner may change it.");
			}
			throw new UserNotFound(id);
		}
		return user;
	}

	private User find(long id) {
		return this.users.findById(id).orElseThrow(() -> new UserNotFound(id));
	}

}
