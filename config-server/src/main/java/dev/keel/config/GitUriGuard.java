package dev.keel.config;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Refuses {@code file:} URIs for the Git backend. Config Server does not clone those: it checks labels out
 * inside the repository itself, which would rewrite a developer's working copy. A plain path is cloned like
 * any remote.
 */
@Component
class GitUriGuard implements InitializingBean {

	private final Environment environment;

	GitUriGuard(Environment environment) {
		this.environment = environment;
	}

	@Override
	public void afterPropertiesSet() {
		String uri = this.environment.getProperty("spring.cloud.config.server.git.uri", "");
		if (!this.environment.matchesProfiles("native") && uri.startsWith("file:")) {
			throw new IllegalStateException("CONFIG_REPO_URI '" + uri + "' is a file: URI. Config Server would "
					+ "check out labels inside that working copy. Give the repository as a plain path instead, "
					+ "e.g. CONFIG_REPO_URI=" + uri.replaceFirst("^file:(//)?", ""));
		}
	}

}
