package io.tollgate.testsupport.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed RSA certificate for {@code 127.0.0.1} and {@code localhost}, made with the JDK's {@code keytool} (no
 * openssl needed) and written as PEM files that redis-server and Lettuce both read: {@code cert.pem} (also usable as
 * the CA file, since it signs itself) and {@code key.pem} (unencrypted PKCS#8).
 */
public record TlsCertificate(Path certificatePem, Path privateKeyPem) {

    private static final String PASS = "changeit";

    /** Generates a new key pair and certificate in a new temporary directory (bounded: keytool gets 60 s). */
    public static TlsCertificate generate() {
        try {
            Path dir = Files.createTempDirectory("tollgate-tls-");
            dir.toFile().deleteOnExit();
            Path p12 = dir.resolve("redis.p12");
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            Process proc = new ProcessBuilder(keytool, "-genkeypair", "-alias", "redis", "-keyalg", "RSA",
                    "-keysize", "2048", "-validity", "7", "-dname", "CN=localhost",
                    "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12", "-keystore", p12.toString(),
                    "-storepass", PASS, "-keypass", PASS)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("keytool.log").toFile()).start();
            if (!proc.waitFor(60, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                throw new IllegalStateException("keytool did not finish in 60 s");
            }
            if (proc.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + Files.readString(dir.resolve("keytool.log")));
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(p12)) {
                ks.load(in, PASS.toCharArray());
            }
            PrivateKey key = (PrivateKey) ks.getKey("redis", PASS.toCharArray());
            Certificate cert = ks.getCertificate("redis");
            Path certPem = dir.resolve("cert.pem");
            Path keyPem = dir.resolve("key.pem");
            Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));
            Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded())); // getEncoded() is PKCS#8 DER
            for (Path p : new Path[] {p12, certPem, keyPem, dir.resolve("keytool.log")}) {
                p.toFile().deleteOnExit();
            }
            return new TlsCertificate(certPem, keyPem);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot generate a test certificate", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the generated test certificate", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n";
    }
}
