package dev.keel.platform.transaction;

import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.aop.Advisor;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * {@link RetryableTransaction} support: an advisor ordered before Spring's transaction advisor, so that a
 * retry always wraps a whole transaction. Retries live in Resilience4j's registry, which publishes their
 * metrics.
 */
@AutoConfiguration(afterName = "io.github.resilience4j.springboot.retry.autoconfigure.RetryAutoConfiguration")
@ConditionalOnClass(PlatformTransactionManager.class)
@EnableConfigurationProperties(TransactionRetryProperties.class)
public class TransactionAutoConfiguration {

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static Advisor retryableTransactionAdvisor(ObjectProvider<PlatformTransactionManager> transactionManager,
			ObjectProvider<RetryRegistry> retries, ObjectProvider<TransactionRetryProperties> properties,
			ObjectProvider<MeterRegistry> meters) {
		RetryableTransactionInterceptor interceptor = new RetryableTransactionInterceptor(transactionManager,
				retries, properties, meters);
		DefaultPointcutAdvisor advisor = new DefaultPointcutAdvisor(
				AnnotationMatchingPointcut.forMethodAnnotation(RetryableTransaction.class), interceptor);
		advisor.setOrder(Ordered.HIGHEST_PRECEDENCE + 100);
		return advisor;
	}

}
