package io.microsettle.infra;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionManager;

/** Runs a {@link WriteTransaction} method in its own transaction, retried at this boundary (see {@link Transactions}). */
@WriteTransaction
@Interceptor
@Priority(Interceptor.Priority.PLATFORM_BEFORE + 100)
public class WriteTransactionInterceptor {
    @Inject
    TransactionManager tm;

    @AroundInvoke
    Object around(InvocationContext ctx) throws Exception {
        if (tm.getStatus() != Status.STATUS_NO_TRANSACTION) return ctx.proceed();
        WriteTransaction spec = ctx.getMethod().getAnnotation(WriteTransaction.class);
        if (spec == null) spec = ctx.getMethod().getDeclaringClass().getAnnotation(WriteTransaction.class);
        return Transactions.write(ctx.getMethod().getDeclaringClass().getSimpleName() + "." + ctx.getMethod().getName(),
                spec == null ? 0 : spec.timeoutSeconds(), ctx::proceed);
    }
}
