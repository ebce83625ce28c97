package io.microsettle.infra;

import jakarta.enterprise.util.Nonbinding;
import jakarta.interceptor.InterceptorBinding;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The outermost database transaction of a write (the boundary {@link WriteTransactionInterceptor}
 * retries at). Called with a transaction active, the method joins it; otherwise it runs in a new
 * transaction, again when PostgreSQL reports a serialization failure, a deadlock or a lock timeout
 * (at most {@link TransactionRetry#MAX_ATTEMPTS} times), and then answers 503 with Retry-After.
 */
@Inherited
@InterceptorBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface WriteTransaction {
    /** Seconds a transaction may run before it is rolled back (0: the transaction manager's default). */
    @Nonbinding
    int timeoutSeconds() default 0;
}
