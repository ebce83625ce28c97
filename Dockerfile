# microsettle service image: builds the contracts (solc-js) and the service, runs the JVM app.
FROM maven:3.9-eclipse-temurin-21 AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY contracts/package.json contracts/package-lock.json contracts/
RUN cd contracts && npm ci --no-audit --no-fund
COPY . .
RUN mvn -B -q package -DskipTests -Dforge.skip=true

FROM eclipse-temurin:21-jre
WORKDIR /app
COPY --from=build /src/target/quarkus-app/ /app/
EXPOSE 8080
# --enable-native-access: the native secp256k1 library (signature recovery) is loaded through JNI.
ENTRYPOINT ["java", "--enable-native-access=ALL-UNNAMED", "-jar", "/app/quarkus-run.jar"]
CMD ["run"]
