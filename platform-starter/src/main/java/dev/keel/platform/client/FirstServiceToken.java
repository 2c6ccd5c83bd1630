package dev.keel.platform.client;

import java.io.IOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;

/**
 * The service's first token ({@link ServiceToken}), fetched once its web server has started and before it registers
 * for traffic: Spring Cloud's registration listens for the same event, after this one. Fetched only by the first
 * calls that needed it, under load and from an issuer as slow as a busy machine makes it, it failed every call that
 * waited for it, and every call for {@link ServiceToken#RETRY_AFTER} after. Not earlier than the web server, because
 * auth-service's may come from itself. An issuer that gives none now costs a warning (so does auth-service's first
 * pod in Kubernetes, whose Service sends to ready pods only), and the first call tries again.
 */
class FirstServiceToken implements ApplicationListener<WebServerInitializedEvent>, Ordered {

	private static final Logger logger = LoggerFactory.getLogger(FirstServiceToken.class);

	/**
	 * On a busy machine an issuer's first answers (its first secret check, its first signature) can take longer
	 * than one read timeout.
	 */
	private static final int ATTEMPTS = 3;

	private final ServiceToken token;

	FirstServiceToken(ServiceToken token) {
		this.token = token;
	}

	@Override
	public void onApplicationEvent(WebServerInitializedEvent event) {
		if (event.getApplicationContext().getServerNamespace() != null) {
			return; // the management server's
		}
		for (int attempt = 1;; attempt++) {
			try {
				this.token.fetchFirst();
				return;
			}
			catch (IOException ex) {
				if (attempt == ATTEMPTS) {
					logger.warn("Starting without an access token for {}; the first call tries again: {} <- {}",
							this.token.clientId(), ex.getMessage(), String.valueOf(ex.getCause()));
					return;
				}
			}
		}
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
