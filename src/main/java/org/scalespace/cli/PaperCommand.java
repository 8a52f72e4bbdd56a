package org.scalespace.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code scalespace paper}: reproduces the published table (placeholder until the method lands). */
@Command(name = "paper", mixinStandardHelpOptions = true, description = "Reproduce the paper's table for the 8 filters.")
public final class PaperCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new IllegalStateException("not implemented yet");
    }
}
