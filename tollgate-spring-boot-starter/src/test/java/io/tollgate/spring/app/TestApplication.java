package io.tollgate.spring.app;

import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.ManualClock;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A tiny application answering "ok" on every path, for both WebFlux and Servlet tests. Its bucket store runs on a
 * clock that stands still unless a test moves it, so token counts and Retry-After values are exact however slow the
 * machine is. (It also shows that the starter's store bean can be replaced.)
 */
@SpringBootApplication
public class TestApplication {

    /** Test clock; tests may advance it. */
    public static final ManualClock CLOCK = new ManualClock(1_700_000_000_000_000L);

    @Bean
    BucketStore frozenClockStore() {
        return new InMemoryBucketStore(CLOCK, 100_000);
    }

    @RestController
    static class Everything {
        @RequestMapping("/**")
        String ok() {
            return "ok";
        }
    }
}
