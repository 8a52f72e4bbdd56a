package org.scalespace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.scalespace.backend.*;
import org.scalespace.fit.*;
import org.scalespace.io.*;
import org.scalespace.model.*;

/** The README's "Java API" example compiles: it is {@link #readmeExample()}, and the test checks they agree. */
class ReadmeJavaApiTest {

    /** Compiled, not run (it reads model.safetensors from the working directory). */
    @SuppressWarnings("unused")
    static void readmeExample() throws IOException {
        // README begin
        List<FilterBank> banks = FilterReaders.read(Path.of("model.safetensors"));
        try (CoarseScorer scorer = Backends.selectScorer("auto").scorer()) {
            Fitter fitter = new Fitter(scorer, FitOptions.defaults(), Runtime.getRuntime().availableProcessors());
            for (FilterBank bank : banks) {
                List<FitResult> results = fitter.fit(bank, done -> { });   // progress callback: filters finished
                ResultWriters.write(Path.of(bank.layer() + ".csv"), results);
            }
        }
        // README end
    }

    @Test
    void theReadmeShowsTheCompiledExample() throws IOException {
        List<String> src = Files.readAllLines(Path.of("src/test/java/org/scalespace/ReadmeJavaApiTest.java"));
        List<String> body = new ArrayList<>();
        for (int i = src.indexOf("        // README begin") + 1; !src.get(i).equals("        // README end"); i++) {
            body.add(src.get(i).substring(8));
        }
        List<String> readme = Files.readAllLines(Path.of("README.md"));
        int start = readme.indexOf("## Java API");
        assertTrue(start >= 0, "README has a Java API section");
        int open = readme.subList(start, readme.size()).indexOf("```java") + start;
        int close = readme.subList(open + 1, readme.size()).indexOf("```") + open + 1;
        List<String> block = readme.subList(open + 1, close);
        List<String> imports = new ArrayList<>();
        List<String> code = new ArrayList<>();
        for (String l : block) {
            (l.startsWith("import ") ? imports : code).add(l);
        }
        while (!code.isEmpty() && code.get(0).isBlank()) {
            code.remove(0);
        }
        assertEquals(body, code, "README's Java API example and readmeExample() differ");
        for (String imp : imports) {
            assertTrue(src.contains(imp), "README imports what this test does not: " + imp);
        }
    }
}
