package dev.keel.config;

import org.junit.jupiter.api.Test;

import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

class GitUriGuardTests {

	@Test
	void refusesFileUrisThatWouldCheckOutInsideTheWorkingCopy() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.cloud.config.server.git.uri",
				"file:///home/dev/keel");

		assertThatIllegalStateException().isThrownBy(() -> new GitUriGuard(environment).afterPropertiesSet())
			.withMessageContaining("CONFIG_REPO_URI=/home/dev/keel");
	}

	@Test
	void acceptsPathsAndRemotes() {
		for (String uri : new String[] { "/home/dev/keel", "https://github.com/acme/config.git",
				"git@github.com:acme/config.git" }) {
			MockEnvironment environment = new MockEnvironment().withProperty("spring.cloud.config.server.git.uri",
					uri);
			assertThatNoException().isThrownBy(() -> new GitUriGuard(environment).afterPropertiesSet());
		}
	}

	@Test
	void ignoresTheGitUriWhenServingFromDisk() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.cloud.config.server.git.uri",
				"file:///home/dev/keel");
		environment.setActiveProfiles("native");

		assertThatNoException().isThrownBy(() -> new GitUriGuard(environment).afterPropertiesSet());
	}

}
