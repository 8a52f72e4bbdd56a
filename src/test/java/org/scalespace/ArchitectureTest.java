package org.scalespace;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of the main code (DESIGN, "Shape of the code"): imports run downwards only, gauss → model → fit / conv
 * → io → backend → cli; an interface lives with the code that calls it and a backend implements it; each native
 * binding stays inside its own backend package, so selection can load it lazily.
 */
class ArchitectureTest {
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("org.scalespace");
    }

    @Test
    void topLevelPackagesHaveNoCycle() {
        slices().matching("org.scalespace.(*)..").should().beFreeOfCycles().check(main);
    }

    /** Every package on its own (backend.cuda, backend.opencl, … apart), as tools/package_cycles.py counts them. */
    @Test
    void noPackageCycle() {
        slices().matching("org.scalespace.(**)").should().beFreeOfCycles().check(main);
    }

    @Test
    void theMathAndTheLibraryCoreDependOnNoBackendFormatOrCli() {
        noClasses().that().resideInAnyPackage("org.scalespace.gauss..", "org.scalespace.model..",
                        "org.scalespace.fit..", "org.scalespace.conv..")
                .should().dependOnClassesThat().resideInAnyPackage("org.scalespace.backend..", "org.scalespace.io..",
                        "org.scalespace.cli..")
                .check(main);
    }

    @Test
    void gaussAndModelSitBelowFitAndConv() {
        noClasses().that().resideInAnyPackage("org.scalespace.gauss..")
                .should().dependOnClassesThat().resideInAnyPackage("org.scalespace.model..")
                .check(main);
        noClasses().that().resideInAnyPackage("org.scalespace.gauss..", "org.scalespace.model..")
                .should().dependOnClassesThat().resideInAnyPackage("org.scalespace.fit..", "org.scalespace.conv..")
                .check(main);
    }

    @Test
    void formatsDependOnNoBackendOrCli() {
        noClasses().that().resideInAnyPackage("org.scalespace.io..")
                .should().dependOnClassesThat().resideInAnyPackage("org.scalespace.backend..", "org.scalespace.cli..")
                .check(main);
    }

    @Test
    void onlyTheCliDependsOnTheCli() {
        noClasses().that().resideOutsideOfPackage("org.scalespace.cli..")
                .should().dependOnClassesThat().resideInAnyPackage("org.scalespace.cli..")
                .check(main);
    }

    /** The CLI and the harnesses reach the backends only through the registry (backend) and its SPI. */
    @Test
    void theCliSeesBackendsOnlyThroughTheRegistry() {
        noClasses().that().resideInAnyPackage("org.scalespace.cli..", "org.scalespace.bench..")
                .should().dependOnClassesThat().resideInAnyPackage("org.scalespace.backend.cuda..",
                        "org.scalespace.backend.opencl..", "org.scalespace.backend.simd..",
                        "org.scalespace.backend.scalar..", "org.scalespace.backend.device..")
                .check(main);
    }

    /** The device backends share code through backend.device only, and nothing below them reaches into one. */
    @Test
    void backendsDoNotReachIntoEachOther() {
        noClasses().that().resideInAnyPackage("org.scalespace.backend.cuda..")
                .should().dependOnClassesThat().resideInAnyPackage("org.scalespace.backend.opencl..",
                        "org.scalespace.backend.simd..", "org.scalespace.backend.scalar..")
                .check(main);
        noClasses().that().resideInAnyPackage("org.scalespace.backend.device..", "org.scalespace.backend.spi..")
                .should().dependOnClassesThat().resideInAnyPackage("org.scalespace.backend.cuda..",
                        "org.scalespace.backend.opencl..", "org.scalespace.backend.simd..",
                        "org.scalespace.backend.scalar..")
                .check(main);
    }

    /** JOCL, JCuda and the Vector API are used only by their backend's package (loaded only when it is asked for). */
    @Test
    void nativeBindingsStayInTheirBackend() {
        noClasses().that().resideOutsideOfPackage("org.scalespace.backend.opencl..")
                .should().dependOnClassesThat().resideInAnyPackage("org.jocl..")
                .check(main);
        noClasses().that().resideOutsideOfPackage("org.scalespace.backend.cuda..")
                .should().dependOnClassesThat().resideInAnyPackage("jcuda..")
                .check(main);
        noClasses().that().resideOutsideOfPackage("org.scalespace.backend.simd..")
                .should().dependOnClassesThat().resideInAnyPackage("jdk.incubator.vector..")
                .check(main);
    }
}
