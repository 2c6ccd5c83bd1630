package dev.keel.user.users;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

@Service
class UserService {

	private final UserRepository users;

	UserService(UserRepository users) {
		this.users = users;
	}

	@Transactional
	UserResponse create(UserRequest request) {
		String email = request.canonicalEmail();
		if (this.users.existsByEmail(email)) {
			throw new DuplicateEmail();
		}
		try {
			// Flush here so that a concurrent insert of the same e-mail surfaces as a 409, not at commit.
			return UserResponse.of(this.users.saveAndFlush(new User(email, request.name().trim())));
		}
		catch (DataIntegrityViolationException ex) {
			throw new DuplicateEmail();
		}
	}

	@Transactional(readOnly = true)
	UserResponse get(long id) {
		return UserResponse.of(find(id));
	}

	@Transactional(readOnly = true)
	Page<UserResponse> page(int page, int size) {
		return this.users.findAll(PageRequest.of(page, size, Sort.by("id"))).map(UserResponse::of);
	}

	@Transactional
	UserResponse update(long id, UserUpdate update) {
		User user = find(id);
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
	void delete(long id) {
		this.users.delete(find(id));
	}

	private User find(long id) {
		return this.users.findById(id).orElseThrow(() -> new UserNotFound(id));
	}

}
