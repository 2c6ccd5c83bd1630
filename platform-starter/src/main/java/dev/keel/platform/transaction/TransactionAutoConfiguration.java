package dev.keel.platform.transaction;

import java.util.function.Supplier;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.aop.Advisor;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;
import org.springframework.transaction.PlatformTransactionManager;

import dev.keel.platform.config.LiveProperties;

/**
 * {@link RetryableTransaction} support: an advisor ordered before Spring's transaction advisor, so that a
 * retry always wraps a whole transaction.
 */
@AutoConfiguration
@ConditionalOnClass(PlatformTransactionManager.class)
public class TransactionAutoConfiguration {

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static Advisor retryableTransactionAdvisor(ObjectProvider<PlatformTransactionManager> transactionManager,
			ObjectProvider<LiveProperties> live, ObjectProvider<MeterRegistry> meters) {
		// Resolved on first use: advisors are created before most beans exist.
		Supplier<TransactionRetryProperties> settings = new Supplier<>() {

			private volatile Supplier<TransactionRetryProperties> bound;

			@Override
			public TransactionRetryProperties get() {
				if (this.bound == null) {
					this.bound = live.getObject().bind("keel.transactions.retry", TransactionRetryProperties.class);
				}
				return this.bound.get();
			}

		};
		RetryableTransactionInterceptor interceptor = new RetryableTransactionInterceptor(transactionManager,
				settings, meters);
		DefaultPointcutAdvisor advisor = new DefaultPointcutAdvisor(
				AnnotationMatchingPointcut.forMethodAnnotation(RetryableTransaction.class), interceptor);
		advisor.setOrder(Ordered.HIGHEST_PRECEDENCE + 100);
		return advisor;
	}

}
