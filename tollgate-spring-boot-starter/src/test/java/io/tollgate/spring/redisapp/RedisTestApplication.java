package io.tollgate.spring.redisapp;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Answers "ok" on every path and keeps the starter's own store (Redis when configured). */
@SpringBootApplication
public class RedisTestApplication {

    @RestController
    static class Everything {
        @RequestMapping("/**")
        String ok() {
            return "ok";
        }
    }
}
